"""Serving the pages of a kinship proof: only through this view, checked on every request.

Scans live in private storage (``STORAGES["default"]``, never under a public URL). Each
request checks that the viewer may see the case (permission and either person's region);
the answer is never cached by a shared cache, names its type and a file name, and tells the
browser not to guess the type.
"""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from accounts.models import ProofPage
from accounts.permissions import may_see_proof

KINDS = ("file", "image", "thumbnail")


@require_GET
@staff_member_required
@cache_control(private=True, max_age=300)
def proof_page(request, pk: int, kind: str):
    """Send page ``pk``'s ``kind``: the file as uploaded, the page image, or its thumbnail."""
    if kind not in KINDS:
        raise Http404
    page = get_object_or_404(ProofPage.objects.select_related("proof"), pk=pk)
    if not may_see_proof(request.user, page.proof):
        raise Http404  # a case outside the viewer's regions does not exist for them
    field = {"file": page.file, "image": page.image or page.file, "thumbnail": page.thumbnail}[kind]
    if not field:
        raise Http404
    if field is page.file:
        content_type = page.content_type
        name = f"{page.proof.case_number}-{page.number}{page.extension}"
    else:
        content_type = "image/jpeg"
        name = f"{page.proof.case_number}-{page.number}-{kind}.jpg"
    response = FileResponse(
        field.open("rb"),
        content_type=content_type,
        as_attachment=kind == "file",
        filename=name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
