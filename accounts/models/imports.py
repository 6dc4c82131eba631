"""Enrollment import runs and the rows they refused."""

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.choices import ImportStatus
from accounts.messages import render


def shown_encoding(encoding: str) -> str:
    """Return a file's encoding as the pages show it: "xlsx" or "xls" for a workbook, which
    has none; "html:gb18030" for a web page's table, with the page's encoding."""
    if encoding == "xlsx":
        return str(_("XLSX workbook"))
    if encoding == "xls":
        return str(_("Excel 97–2003 workbook (.xls)"))
    if encoding.startswith("html:"):
        return _("web page table (HTML, %(encoding)s)") % {
            "encoding": encoding.removeprefix("html:").upper()
        }
    return encoding


class ImportRun(models.Model):
    """One enrollment import: the file, who ran it, and what came of each row."""

    Status = ImportStatus

    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(
        pgettext_lazy("import run", "status"),
        max_length=12,
        choices=Status.choices,
        default=Status.RUNNING,
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    #: what the run says when it ends, and what it noticed about the file: stored as
    #: ``importing.messages.Message.as_json()``, shown in the reader's language
    message_data = models.JSONField(_("message"), default=dict, blank=True)
    warnings_data = models.JSONField(_("warnings"), default=list, blank=True)
    #: the optional fields the file has no column for (``importing.changes.fields_unset``):
    #: stored persons kept theirs
    fields_unset = ArrayField(
        models.CharField(max_length=20),
        verbose_name=_("fields not in the file"),
        default=list,
        blank=True,
    )
    #: the file's header row, as typed (at most ``importing.run.HEADER_CELLS`` titles): it
    #: names the original values in the error report and heads the rows to mend
    header = ArrayField(models.TextField(), verbose_name=_("header"), default=list, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    #: the pooling regions of the file's rows (written or refused, where the code is known):
    #: supervisors and auditors of these regions see the run and its faults in their regions
    regions = ArrayField(
        models.CharField(max_length=6), verbose_name=_("regions"), default=list, blank=True
    )
    #: how many faulty rows name each pooling region ({code: rows}), added with each chunk:
    #: what a supervisor's report of their regions holds, without counting the faults.
    #: None only for runs from before it was recorded whose faults were deleted before
    #: migration 0013 counted them (such a run shows its total)
    faulty_rows_by_region = models.JSONField(
        _("faulty rows by region"), null=True, blank=True, default=dict
    )
    #: the rows of pooling regions the importer may not write (a caseworker's upload of a
    #: province-wide extract): not faults of the file, left for those regions' caseworkers;
    #: not counted in ``failed``. Each is kept as one ``region_not_allowed`` row error
    other_region_rows = models.PositiveIntegerField(_("rows of other regions"), default=0)
    #: the same rows by pooling region ({code: rows}), added with each chunk
    other_rows_by_region = models.JSONField(
        _("rows of other regions by region"), default=dict, blank=True
    )
    #: what the run changed of stored persons, field by field, for the whole file:
    #: {"field:kind": persons} (``importing.changes.change_kind``: "status:deceased>active",
    #: "mobile:cleared", "balance:changed" …), added with each chunk
    change_summary = models.JSONField(_("changes by field"), default=dict, blank=True)
    #: when the import last committed a chunk (or began reading the file): a run that says
    #: it is running but has not moved for a while has lost its process (see ``stalled``)
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    stored_file = models.CharField(_("stored file"), max_length=300, blank=True)
    #: when the row errors (and with them the refused rows' personal data) were deleted,
    #: ``IMPORT_FAULT_RETENTION_DAYS`` after the run ended; its counts stay
    faults_deleted_at = models.DateTimeField(_("error details deleted at"), null=True, blank=True)
    #: when whoever ran the import asked it to stop: it stops before its next chunk
    #: (``importing.stop``), keeping what it had committed
    stop_requested_at = models.DateTimeField(_("stop requested at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self):
        return f"{self.file_name} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    def stalled(self, now=None) -> bool:
        """Whether the run says it is running but has not moved for ``IMPORT_STALLED_MINUTES``.

        Its process has gone (a restart of the worker, a killed command): what it
        committed stays, and running the file again finishes the job.
        """
        if self.status != self.Status.RUNNING or self.heartbeat_at is None:
            return False
        limit = dt.timedelta(minutes=settings.IMPORT_STALLED_MINUTES)
        return self.heartbeat_at < (now or timezone.now()) - limit

    def shown_status(self) -> str:
        """The status as the pages show it: a run that stalled shows as interrupted, and
        one that no worker has begun yet as queued."""
        if self.status == self.Status.RUNNING and self.heartbeat_at is None:
            return str(pgettext_lazy("import run", "queued"))
        return str(self.Status.INTERRUPTED.label if self.stalled() else self.get_status_display())

    def shown_encoding(self) -> str:
        """The encoding as the pages show it: an XLSX workbook has none of its own."""
        return shown_encoding(self.encoding)

    def waiting_long(self, now=None) -> bool:
        """Whether the run was queued that long ago and no worker has begun it."""
        if self.status != self.Status.RUNNING or self.heartbeat_at is not None:
            return False
        limit = dt.timedelta(minutes=settings.IMPORT_STALLED_MINUTES)
        return self.started_at < (now or timezone.now()) - limit

    @property
    def message(self) -> str:
        """The run's message in the language of whoever reads it; "" for none."""
        return render(self.message_data)

    @property
    def warnings(self) -> list[str]:
        """The run's warnings in the language of whoever reads them."""
        return [render(warning) for warning in self.warnings_data]

    # the names the pages use
    shown_message = message
    shown_warnings = warnings

    @property
    def summary(self) -> str:
        others = f" other_regions={self.other_region_rows}" if self.other_region_rows else ""
        return (
            f"created={self.created} updated={self.updated} "
            f"unchanged={self.unchanged} failed={self.failed}{others}"
        )


class ImportRowError(models.Model):
    """A row of an import that was not written, and why."""

    run = models.ForeignKey(
        ImportRun, on_delete=models.CASCADE, related_name="errors", verbose_name=_("import run")
    )
    line = models.PositiveIntegerField(_("line"))
    column = models.CharField(_("column"), max_length=100, blank=True)
    code = models.CharField(_("code"), max_length=40)
    #: ``importing.messages.Message.as_json()``: shown in the reader's language
    message_data = models.JSONField(_("message"), default=dict)
    values = models.JSONField(_("original values"), default=list)
    #: the pooling region the row names, when its code is known ("" otherwise): who
    #: oversees that region sees the fault in the run's report
    region = models.CharField(_("region"), max_length=6, blank=True, default="")

    class Meta:
        ordering = ["run", "line", "id"]
        verbose_name = _("import row error")
        verbose_name_plural = _("import row errors")
        indexes = [models.Index(fields=["run", "line"], name="import_error_run_line")]

    def __str__(self):
        return f"{self.line}: {self.code}"

    @property
    def message(self) -> str:
        """The fault in the language of whoever reads it."""
        return render(self.message_data)

    shown_message = message
