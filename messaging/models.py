from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

BODY_MAX_LENGTH = 4000
CLIENT_ID_MAX_LENGTH = 64


class Conversation(models.Model):
    """The one conversation between two users, stored with the lower user id first."""

    user_low = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    user_high = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_low", "user_high"], name="dm_one_per_pair"),
            models.CheckConstraint(
                condition=Q(user_low__lt=F("user_high")), name="dm_pair_is_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["user_high", "user_low"], name="dm_conversation_high"),
        ]

    def __str__(self):
        return f"{self.user_low_id} ↔ {self.user_high_id}"

    @property
    def participant_ids(self) -> tuple[int, int]:
        return (self.user_low_id, self.user_high_id)

    def other_id(self, user_id: int) -> int:
        return self.user_high_id if user_id == self.user_low_id else self.user_low_id

    def other(self, user):
        return self.user_high if user.pk == self.user_low_id else self.user_low


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Emptied when the message is deleted; the row stays as a tombstone.
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    client_id = models.CharField(max_length=CLIENT_ID_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender", "client_id"], name="dm_client_id_once"),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=False) | ~Q(body=""),
                name="dm_body_not_empty",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), BODY_MAX_LENGTH),
                name="dm_body_max_length",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "-id"], name="dm_message_history"),
            # A resume also reads what was created shortly before the client's newest message.
            models.Index(fields=["conversation", "created_at"], name="dm_message_created"),
        ]

    def __str__(self):
        return f"{self.sender_id} in {self.conversation_id}: {self.body[:40]}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ReadState(models.Model):
    """How far one participant has read one conversation."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="read_states"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_message_id = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="dm_read_state_once"),
        ]

    def __str__(self):
        return f"{self.user_id} read {self.conversation_id} up to {self.last_read_message_id}"


class Block(models.Model):
    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="dm_block_once"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="dm_no_self_block"),
        ]

    def __str__(self):
        return f"{self.blocker_id} blocks {self.blocked_id}"
