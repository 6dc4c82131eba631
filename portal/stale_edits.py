"""A record's admin form that does not save over a change made after its page was opened.

The form carries a stamp of what the editor saw: the record's ``updated_at`` (and any
other ``stamp_fields``) and the value of each field on the form. On save it locks the
record (``select_for_update``, held until the admin's transaction commits, so nothing
can write the record in between) and compares. If the record was changed meanwhile, by
an import or by a colleague:

- in fields the editor changed as well: the save is refused, saying when, by whom and
  which fields, with a link to open the record again;
- in other fields only: the editor's changes are saved on top, the other change is kept,
  and a message says so.

Without it, the save wrote back every field as it was when the page opened.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from accounts.locks import lock_row

from .html import interpolate


def staff_name(user) -> str:
    """A staff member's name as the portal shows it: a Chinese name, family name first and
    no space (``get_full_name`` puts the given name first); else the username."""
    return f"{user.last_name}{user.first_name}".strip() or user.get_username()


def _plain(value):
    """``value`` (a model's or a form's) as the stamp keeps it in JSON, for comparing."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet):  # a form's choice of several records
        value = list(value)
    if isinstance(value, (list, tuple)):
        items = [_plain(item) for item in value]
        # A list of choices is a set: the form may give it in another order.
        plain = all(isinstance(item, (str, int)) for item in items)
        return sorted(items, key=str) if plain else items
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 2000, 2000.0 and 2000.00 alike
    return value


def _listed(items) -> str:
    return format_html_join(pgettext("list separator", ", "), "{}", ((item,) for item in items))


@dataclass
class ChangedMeanwhile:
    """A change to a record made after an editor opened its page."""

    at: dt.datetime  # the record's updated_at now
    staff: list[str]  # who saved it in the admin since (``LogEntry``), oldest first
    seen: list  # the stamp fields as the editor saw them, as the stamp keeps them
    now: list  # and as they are now
    fields: list[str] = field(default_factory=list)  # form fields it changed


class StaleEditGuardForm(forms.ModelForm):
    """Base for a ModelForm of a record with an ``updated_at``. The change form must render
    the hidden ``seen`` field (``{{ adminform.form.seen }}`` in its ``form_top`` block)."""

    #: the fields whose values tell that the record changed; ``updated_at`` comes first
    stamp_fields: tuple[str, ...] = ("updated_at",)
    #: who is editing; the admin sets it (``StaleEditGuardAdminMixin``)
    viewer = None

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: set by ``clean`` when another's change was kept beside the editor's
        self.changed_meanwhile: ChangedMeanwhile | None = None
        if self.instance.pk:
            self.fields["seen"].initial = self.stamp()

    def _compared(self) -> list[str]:
        """The form's fields that are the record's, compared between then and now."""
        return [name for name in self.fields if name != "seen" and name in self.initial]

    def stamp(self) -> str:
        """What the form keeps of the record as its editor saw it."""
        return json.dumps(
            {
                "at": [_plain(getattr(self.instance, name)) for name in self.stamp_fields],
                "values": {name: _plain(self.initial[name]) for name in self._compared()},
                # The admin's history is written just after the save that set updated_at:
                # who changed the record meanwhile is who saved it after the page opened.
                "opened": timezone.now().isoformat(),
            }
        )

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        seen = self._seen(cleaned.get("seen", ""))
        if seen is None:
            raise ValidationError(
                _("This page is out of date. Open it again before making changes."),
                code="not_seen",
            )
        model = type(self.instance)
        now = lock_row(model, self.instance.pk)
        if now is None:
            return cleaned
        now_at = [_plain(getattr(now, name)) for name in self.stamp_fields]
        if now_at == seen["at"]:
            return cleaned
        values = {name: value for name, value in seen["values"].items() if name in self.fields}
        current = model_to_dict(now, fields=list(values))
        theirs = [name for name in values if _plain(current.get(name)) != values[name]]
        mine = [name for name in values if _plain(cleaned.get(name)) != values[name]]
        change = ChangedMeanwhile(
            at=getattr(now, self.stamp_fields[0]),
            staff=self._staff_since(model, dt.datetime.fromisoformat(seen["opened"])),
            seen=seen["at"],
            now=now_at,
            fields=theirs,
        )
        both = [name for name in theirs if name in mine]
        if both:
            raise ValidationError(self._refusal(change, both), code="changed_meanwhile")
        for name in theirs:  # keep the other change where the editor left the old value
            cleaned[name] = getattr(now, name)
        self.changed_meanwhile = change if theirs else None
        return cleaned

    def _seen(self, text: str) -> dict | None:
        """The stamp sent back with the form, read; None if there is none or it is garbled."""
        try:
            seen = json.loads(text)
            dt.datetime.fromisoformat(seen["at"][0])
            dt.datetime.fromisoformat(seen["opened"])
        except (ValueError, TypeError, IndexError, KeyError):
            return None
        if len(seen["at"]) != len(self.stamp_fields) or not isinstance(seen.get("values"), dict):
            return None
        return seen

    def _staff_since(self, model, since: dt.datetime) -> list[str]:
        edits = (
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id=str(self.instance.pk),
                action_time__gt=since,
            )
            .select_related("user")
            .order_by("action_time")
        )
        return list(dict.fromkeys(staff_name(entry.user) for entry in edits))

    def changed_by(self, change: ChangedMeanwhile) -> list:
        """Who changed the record since: the colleagues; a subclass may add (an import)."""
        return list(change.staff)

    def _change(self, change: ChangedMeanwhile):
        """When and by whom: "at 2026-11-25 10:09:12, by 王五"."""
        when = timezone.localtime(change.at).strftime("%Y-%m-%d %H:%M:%S")
        who = self.changed_by(change)
        if who:
            return interpolate(_("at %(when)s, by %(who)s"), when=when, who=_listed(who))
        return interpolate(_("at %(when)s"), when=when)

    def _labels(self, names: list[str]):
        """The fields' names as a sentence has them ("mobile phone", not the form's
        capitalised "Mobile phone")."""
        opts = self.instance._meta
        return _listed(str(opts.get_field(name).verbose_name) for name in names)

    def _refusal(self, change: ChangedMeanwhile, both: list[str]):
        opts = self.instance._meta
        reopen = format_html(
            '<a class="underline" href="{}">{}</a>',
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[self.instance.pk]),
            _("open it again"),
        )
        message = _(
            "This %(thing)s was changed after you opened this page (%(change)s), in "
            "%(fields)s, which you changed as well. Your changes were not saved, so as not "
            "to overwrite that change: %(reopen)s and make yours on what is there now."
        )
        return interpolate(
            message,
            thing=opts.verbose_name,
            change=self._change(change),
            fields=self._labels(both),
            reopen=reopen,
        )

    def kept_message(self):
        """Say that another's change made meanwhile was kept beside the editor's."""
        change = self.changed_meanwhile
        message = _(
            "This %(thing)s was changed after you opened this page (%(change)s), in "
            "%(fields)s. Your changes were saved, and that change was kept."
        )
        return interpolate(
            message,
            thing=self.instance._meta.verbose_name,
            change=self._change(change),
            fields=self._labels(change.fields),
        )


class StaleEditGuardAdminMixin:
    """For a ModelAdmin whose ``form`` is a ``StaleEditGuardForm``: tells the form who edits,
    and the editor when another's change made meanwhile was kept beside theirs."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.viewer = request.user
        return form

    def save_form(self, request, form, change):
        record = super().save_form(request, form, change)
        if getattr(form, "changed_meanwhile", None) is not None:
            self.message_user(request, form.kept_message(), messages.WARNING)
        return record
