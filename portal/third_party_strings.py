"""Strings that third-party apps mark for translation but ship no Chinese for.

Never imported: listed here only so that ``makemessages`` puts them in the portal's
catalogue, which Django consults before the apps' own. django-tasks-db: the background
jobs page, for superusers who look after the worker.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

DJANGO_TASKS = (
    _("Task Result"),
    _("Task Results"),
    _("status"),
    _("enqueued at"),
    _("args kwargs"),
    _("priority"),
    _("task path"),
    _("worker id"),
    _("queue name"),
    _("backend name"),
    _("run after"),
    _("return value"),
    _("exception class path"),
    _("traceback"),
    pgettext_lazy("Task", "Ready"),
    pgettext_lazy("Task", "Running"),
    pgettext_lazy("Task", "Failed"),
    pgettext_lazy("Task", "Successful"),
)
