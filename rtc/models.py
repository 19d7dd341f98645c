from django.conf import settings
from django.db import models
from django.db.models import F, Q


class CallSession(models.Model):
    """One call of a study: from the first participant joining to the last one leaving."""

    study = models.ForeignKey("studies.Study", on_delete=models.CASCADE, related_name="calls")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["study"], condition=Q(ended_at__isnull=True), name="call_one_open_per_study"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="call_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"Call of study {self.study_id} at {self.started_at:%Y-%m-%d %H:%M}"


class Attendance(models.Model):
    """One stay of a user in a call (a user who rejoins has several)."""

    session = models.ForeignKey(CallSession, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_attendances"
    )
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=F("joined_at")),
                name="attendance_leaves_after_joining",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} in {self.session_id}"


class CallParticipant(models.Model):
    """An open call socket, shared by every server process through the database.

    `peer_id` is the only handle a client ever sees; `channel_name` stays on the server.
    """

    study = models.ForeignKey(
        "studies.Study", on_delete=models.CASCADE, related_name="call_participants"
    )
    attendance = models.OneToOneField(
        Attendance, on_delete=models.CASCADE, related_name="participant"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_participations"
    )
    peer_id = models.CharField(max_length=32, unique=True)
    channel_name = models.CharField(max_length=200)
    mic = models.BooleanField(default=True)
    camera = models.BooleanField(default=True)
    screen = models.BooleanField(default=False)
    joined_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            # One seat per user and call: a newer socket replaces the older (services.call_join).
            models.UniqueConstraint(fields=["study", "user"], name="rtc_one_seat_per_user"),
        ]

    def __str__(self):
        return f"{self.peer_id} ({self.user_id}) in study {self.study_id}"

    @property
    def media(self) -> dict:
        return {"mic": self.mic, "camera": self.camera, "screen": self.screen}
