from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    WELCOME = "welcome", _("Welcome")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    ANNOUNCEMENT = "announcement", _("Announcement")
    JOIN_REQUESTED = "join_requested", _("Join request")
    REQUEST_ACCEPTED = "request_accepted", _("Join request accepted")
    MEMBER_LEFT = "member_left", _("Member left")
    MEMBER_REMOVED = "member_removed", _("Member removed")
    BOARD_POST_CREATED = "board_post_created", _("New post on a task")
    BOARD_COMMENT_CREATED = "board_comment_created", _("New comment")
    TASK_ASSIGNED = "task_assigned", _("Task assigned")
    DIRECT_MESSAGE = "direct_message", _("Direct message")
    REQUEST_REJECTED = "request_rejected", _("Join request rejected")
    STUDY_STATUS_CHANGED = "study_status_changed", _("Study status changed")
    OWNERSHIP_TRANSFERRED = "ownership_transferred", _("Ownership transferred")
    REVIEW_RECEIVED = "review_received", _("Review received")
    CHAT_MENTION = "chat_mention", _("Mentioned in chat")
    STUDY_DELETED = "study_deleted", _("Study deleted")
    REQUEST_WITHDRAWN = "request_withdrawn", _("Join request withdrawn")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kind values are checked by notify(), not stored as choices, so adding one needs no migration.
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                name="notif_recipient_recent",
            ),
            models.Index(
                fields=["recipient", "-id"],
                condition=Q(read_at__isnull=True),
                name="notif_recipient_unread",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(url__startswith="/") & ~Q(url__startswith="//"),
                name="notif_url_is_local_path",
            ),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient_id}: {self.text[:40]}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
