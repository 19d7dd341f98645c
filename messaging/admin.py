from django.contrib import admin

from messaging.models import Block, Conversation, Message


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "user_low", "user_high", "last_message_at"]
    raw_id_fields = ["user_low", "user_high"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "sender", "created_at", "deleted_at"]
    raw_id_fields = ["conversation", "sender"]


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["id", "blocker", "blocked", "created_at"]
    raw_id_fields = ["blocker", "blocked"]
