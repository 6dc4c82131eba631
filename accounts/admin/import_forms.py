"""The form an enrollment file is uploaded with."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminFileFieldWidget, UnfoldBooleanSwitchWidget


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("enrollment file"),
        help_text=_(
            "CSV (UTF-8 or GB18030, as Excel saves it; commas or tabs) with a header row, or an "
            "Excel workbook (XLSX, or XLS of Excel 97–2003), whose first sheet with a header "
            "row is read. A web page's table saved as .xls, as older systems export “Excel”, "
            "is read as well."
        ),
        widget=UnfoldAdminFileFieldWidget,
    )
    dry_run = forms.BooleanField(
        label=_("dry run: check and count, write nothing"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
    )
    import_again = forms.BooleanField(
        label=_("import again even if this file was imported before or is being imported now"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)d MB."),
                code="too_large",
                params={"max": settings.IMPORT_UPLOAD_MAX_BYTES // 1024**2},
            )
        return upload
