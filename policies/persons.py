"""What the rules judge of an insured person: insurance type, enrolment status, sex.

The vocabulary of the engine's ``PersonFacts``; ``accounts`` records persons with these
choices (``accounts.choices`` offers them with the app's own).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InsuranceType(models.TextChoices):
    EMPLOYEE = "employee", _("employee insurance")
    RESIDENT = "resident", _("urban-rural resident insurance")


class PersonStatus(models.TextChoices):
    # In context: a bare "active" is also the user account's flag (Django's is_active).
    ACTIVE = "active", pgettext_lazy("enrolment status", "active")
    SUSPENDED = "suspended", _("suspended")
    TERMINATED = "terminated", _("terminated")
    DECEASED = "deceased", _("deceased")


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")
