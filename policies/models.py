"""Provinces and pooling regions (统筹区). Policy tables come with their own issue."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    """A province-level unit that has its own policy table (31 provinces and the Corps)."""

    code = models.CharField(_("province code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=32)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self):
        return self.name


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("province-level pool")
    PREFECTURE = "prefecture", _("prefecture-level pool")
    COUNTY = "county", _("county-level unit under the province")
    CORPS_DIVISION = "corps_division", _("Corps division")


class Region(models.Model):
    """A pooling region (统筹区) identified by its 6-digit medical-insurance region code."""

    code = models.CharField(_("region code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="regions", verbose_name=_("province")
    )
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    wallet_enabled_on = models.DateField(
        _("wallet opened on"),
        null=True,
        blank=True,
        help_text=_("The day this region opened the medical-insurance wallet (医保钱包)."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("pooling region")
        verbose_name_plural = _("pooling regions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}$"), name="region_code_six_digits"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def full_name(self) -> str:
        """Return the name with its province, e.g. 山东省济南市."""
        if self.level == RegionLevel.PROVINCE or self.name.startswith(self.province.name):
            return self.name
        return f"{self.province.name}{self.name}"


class RegionAlias(models.Model):
    """Another code that files use for a pooling region (e.g. 110100 for Beijing's 110000)."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("region")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region code alias")
        verbose_name_plural = _("region code aliases")

    def __str__(self):
        return f"{self.code} → {self.region_id}"
