"""Staff profiles: which pooling regions a staff member works on."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffProfile(models.Model):
    """The regions a staff user may see: chosen regions, whole provinces, or the whole country."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    regions = models.ManyToManyField(
        "policies.Region", blank=True, related_name="+", verbose_name=_("pooling regions")
    )
    provinces = models.ManyToManyField(
        "policies.Province",
        blank=True,
        related_name="+",
        verbose_name=_("whole provinces"),
        help_text=_("Every pooling region of these provinces, including regions added later."),
    )
    nationwide = models.BooleanField(
        _("nationwide"),
        default=False,
        help_text=_("Sees every region (national auditors). Use sparingly."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self):
        return str(self.user)
