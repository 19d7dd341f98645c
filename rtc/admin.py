from django.contrib import admin

from rtc.models import Attendance, CallSession


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    readonly_fields = ["user", "joined_at", "left_at"]


@admin.register(CallSession)
class CallSessionAdmin(admin.ModelAdmin):
    list_display = ["study", "started_at", "ended_at"]
    inlines = [AttendanceInline]
