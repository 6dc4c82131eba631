"""Choices shared by models, admin, import and reports."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InsuranceType(models.TextChoices):
    EMPLOYEE = "employee", _("employee insurance")
    RESIDENT = "resident", _("urban-rural resident insurance")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")
    TERMINATED = "terminated", _("terminated")
    DECEASED = "deceased", _("deceased")


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")
