import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    bio = models.TextField(_("short bio"), max_length=500, blank=True)
    # Validated rather than given choices, so a tzdata update needs no migration.
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )

    def __str__(self):
        return self.username

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def get_absolute_url(self):
        return reverse("profile", kwargs={"username": self.username})
