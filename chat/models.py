from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.links import int_url
from studies.models import Study


class Category(models.TextChoices):
    PLANNING = "planning", _("Planning")
    PROGRESS = "progress", _("Progress")
    QNA = "qna", _("Q&A")
    REVIEW = "review", pgettext_lazy("chat room category", "Review")
    GENERAL = "general", _("General")


class Room(models.Model):
    MAX_OPEN_PER_STUDY = 3

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="chat_rooms")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The sequence number of the room's latest message; incremented under the row lock.
    last_seq = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "category"],
                condition=Q(closed_at__isnull=True),
                name="chat_room_one_open_per_category",
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="chat_room_category_valid"
            ),
            models.CheckConstraint(condition=Q(last_seq__gte=0), name="chat_room_last_seq_gte_0"),
        ]
        indexes = [
            models.Index(
                fields=["study"], condition=Q(closed_at__isnull=True), name="chat_room_open"
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()} · {self.study}"

    def get_absolute_url(self):
        return int_url("chat:room", room_id=self.pk)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


MESSAGE_MAX_BODY = 4000


class Message(models.Model):
    MAX_BODY = MESSAGE_MAX_BODY
    MAX_CLIENT_ID = 64

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    seq = models.BigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Emptied when the message is deleted; the row stays as a tombstone.
    body = models.TextField(max_length=MESSAGE_MAX_BODY)
    client_id = models.CharField(max_length=MAX_CLIENT_ID)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["room", "seq"]
        constraints = [
            # Also the (room, seq) index that history pages walk.
            models.UniqueConstraint(fields=["room", "seq"], name="chat_message_seq_once_per_room"),
            models.UniqueConstraint(
                fields=["room", "author", "client_id"], name="chat_message_client_id_once"
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="chat_message_seq_gte_1"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), MESSAGE_MAX_BODY),
                name="chat_message_body_max_4000",
            ),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | Q(body=""),
                name="chat_message_tombstone_is_empty",
            ),
        ]

    def __str__(self):
        return f"#{self.seq} in room {self.room_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Presence(models.Model):
    """One open socket in a room; it counts only until `expires_at`, which the socket refreshes.

    A process that dies leaves rows behind that simply expire, so nobody stays online as a ghost.
    """

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["room", "expires_at"], name="chat_presence_room_live")]

    def __str__(self):
        return f"{self.user_id} in room {self.room_id}"
