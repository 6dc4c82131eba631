"""A record's admin form that will not save over a change made after its page was opened.

The form carries a stamp of what the editor saw (the record's ``updated_at``, and any
other ``stamp_fields``). On save it locks the record (``select_for_update``, held until
the admin's transaction commits, so nothing can write the record in between) and
compares. A change meanwhile, by an import or by a colleague, refuses the save, saying
when and by whom, with a link to open the record again: the editor's save would
otherwise have written back every field as it was when the page opened.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django import forms
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from .html import interpolate


def staff_name(user) -> str:
    """A staff member's name as the portal shows it: a Chinese name, family name first and
    no space (``get_full_name`` puts the given name first); else the username."""
    return f"{user.last_name}{user.first_name}".strip() or user.get_username()


def _stamp(values) -> str:
    return json.dumps(
        [value.isoformat() if isinstance(value, dt.datetime) else value for value in values]
    )


@dataclass(frozen=True)
class ChangedMeanwhile:
    """A change to a record made after an editor opened its page."""

    at: dt.datetime  # the record's updated_at now
    staff: list[str]  # who saved it in the admin since (``LogEntry``), oldest first
    seen: list  # the stamp fields as the editor saw them, as the stamp keeps them
    now: list  # and as they are now


class StaleEditGuardForm(forms.ModelForm):
    """Base for a ModelForm of a record with an ``updated_at``. The change form must render
    the hidden ``seen`` field (``{{ adminform.form.seen }}`` in its ``form_top`` block)."""

    #: the fields whose values tell that the record changed; ``updated_at`` comes first
    stamp_fields: tuple[str, ...] = ("updated_at",)
    #: who is editing; the admin sets it (``StaleEditGuardAdminMixin``)
    viewer = None

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    @classmethod
    def stamp(cls, record) -> str:
        """What the form keeps of ``record`` as its editor saw it."""
        return _stamp(getattr(record, field) for field in cls.stamp_fields)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen"].initial = self.stamp(self.instance)

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
        change = self._lock_and_compare(seen)
        if change is not None:
            raise ValidationError(self.changed_meanwhile_message(change), code="changed_meanwhile")
        return cleaned

    def _seen(self, text: str) -> list | None:
        """The stamp sent back with the form, read; None if there is none or it is garbled."""
        try:
            seen = json.loads(text)
            dt.datetime.fromisoformat(seen[0])
        except (ValueError, TypeError, IndexError, KeyError):
            return None
        return seen if isinstance(seen, list) and len(seen) == len(self.stamp_fields) else None

    def _lock_and_compare(self, seen: list) -> ChangedMeanwhile | None:
        model = type(self.instance)
        now = (
            # No ordering: a model ordered by a nullable foreign key would join it, and a
            # row lock cannot reach across an outer join.
            model._default_manager.select_for_update(of=("self",))
            .order_by()
            .filter(pk=self.instance.pk)
            .values_list(*self.stamp_fields)
            .first()
        )
        if now is None or _stamp(now) == _stamp(seen):
            return None
        edits = (
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id=str(self.instance.pk),
                action_time__gt=dt.datetime.fromisoformat(seen[0]),
            )
            .select_related("user")
            .order_by("action_time")
        )
        staff = list(dict.fromkeys(staff_name(entry.user) for entry in edits))
        return ChangedMeanwhile(at=now[0], staff=staff, seen=seen, now=json.loads(_stamp(now)))

    def changed_by(self, change: ChangedMeanwhile) -> list:
        """Who changed the record since: the colleagues; a subclass may add (an import)."""
        return list(change.staff)

    def changed_meanwhile_message(self, change: ChangedMeanwhile):
        """Say when the record was changed since, by whom, and how to go on."""
        opts = self.instance._meta
        who = self.changed_by(change)
        reopen = format_html(
            '<a class="underline" href="{}">{}</a>',
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[self.instance.pk]),
            _("open it again"),
        )
        params = {
            "thing": opts.verbose_name,
            "when": timezone.localtime(change.at).strftime("%Y-%m-%d %H:%M:%S"),
            "who": format_html_join(pgettext("list separator", ", "), "{}", ((w,) for w in who)),
            "reopen": reopen,
        }
        if who:
            message = _(
                "This %(thing)s was changed after you opened this page: at %(when)s, by "
                "%(who)s. Your changes were not saved, so as not to overwrite that change: "
                "%(reopen)s and make yours on what is there now."
            )
        else:
            message = _(
                "This %(thing)s was changed after you opened this page, at %(when)s. Your "
                "changes were not saved, so as not to overwrite that change: %(reopen)s "
                "and make yours on what is there now."
            )
        return interpolate(message, **params)


class StaleEditGuardAdminMixin:
    """For a ModelAdmin whose ``form`` is a ``StaleEditGuardForm``: tells the form who edits."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.viewer = request.user
        return form
