from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from config.links import int_url


class Tag(models.Model):
    name = models.CharField(max_length=30, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Study(models.Model):
    class Status(models.TextChoices):
        RECRUITING = "recruiting", _("Recruiting")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    MIN_CAPACITY = 2
    MAX_CAPACITY = 50
    MAX_TAGS = 5

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_studies"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=10000)
    how_we_run = models.TextField(_("how we run it"), max_length=5000, blank=True)
    tags = models.ManyToManyField(Tag, related_name="studies", blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    recruitment_deadline = models.DateField(_("recruitment deadline"))
    # Members including the owner.
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECRUITING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=2) & Q(capacity__lte=50), name="study_capacity_2_to_50"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="study_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(recruitment_deadline__lte=F("start_date")),
                name="study_deadline_before_start",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["recruiting", "in_progress", "completed"]),
                name="study_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["-created_at", "-id"], name="study_newest")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return int_url("studies:detail", study_id=self.pk)


class Membership(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "user"], name="membership_once_per_study"),
        ]

    def __str__(self):
        return f"{self.user} in {self.study}"


class JoinRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    decision_note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "user"],
                condition=Q(status="pending"),
                name="join_request_one_pending_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.study} ({self.status})"


class Bookmark(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="bookmarks")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_bookmarks"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "user"], name="bookmark_once_per_study"),
        ]

    def __str__(self):
        return f"{self.user} ☆ {self.study}"


class Review(models.Model):
    MIN_SCORE = 1
    MAX_SCORE = 5

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_given"
    )
    reviewee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_received"
    )
    score = models.PositiveSmallIntegerField(_("score"))
    text = models.TextField(_("review"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "reviewer", "reviewee"], name="review_once_per_study_and_pair"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="review_score_1_to_5"
            ),
            models.CheckConstraint(
                condition=~Q(reviewer=F("reviewee")), name="review_not_of_oneself"
            ),
        ]
        indexes = [models.Index(fields=["reviewee", "-created_at"], name="review_reviewee_recent")]

    def __str__(self):
        return f"{self.reviewer} → {self.reviewee} ({self.score}) in {self.study}"
