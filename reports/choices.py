"""The reports' own vocabulary: how the summaries classify money and binding events."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MoneyMode(models.TextChoices):
    """How money left a personal account (or a wallet), as the money summary counts it."""

    DIRECT = "direct", _("direct payment")
    WALLET = "wallet", _("wallet transfer")
    #: the beneficiary paying from the wallet a transfer filled (counted by use)
    WALLET_SPEND = "wallet_spend", _("paid from the wallet")
    #: balances lowered by an enrollment import: the holder's own spending elsewhere, as the
    #: agency's extracts report it
    OWN = "own", _("other spending recorded by imports")


#: the modes that are mutual aid (共济): money of the authorizer's account paid for a relative
MUTUAL_AID_MODES = (MoneyMode.DIRECT, MoneyMode.WALLET)


class BindingEvent(models.TextChoices):
    """A change of a binding the bindings summary counts."""

    ACTIVATED = "activated", _("activated")
    #: an active binding ended (revoked, for the reason recorded)
    ENDED = "ended", _("active binding revoked")
    #: a binding revoked while it waited for review or was blocked
    WITHDRAWN = "withdrawn", _("revoked before it was active")


class Geography(models.TextChoices):
    """Where the beneficiary is insured, seen from the authorizer."""

    SAME_REGION = "same_region", _("same pooling region")
    SAME_PROVINCE = "same_province", _("another region of the same province")
    CROSS_PROVINCE = "cross_province", _("another province")
