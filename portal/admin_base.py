"""Base classes every portal ModelAdmin builds on.

``ScopedModelAdmin`` limits a model's admin to the regions of the user:
changelist, change/history/delete pages, autocomplete and exports all read
``get_queryset``, which goes through :func:`portal.scoping.scope_queryset`.
A record outside the user's regions is answered with 404, never a redirect
that would confirm it exists.
"""

from __future__ import annotations

from django.http import Http404
from unfold.admin import ModelAdmin

from .scoping import scope_queryset


class PortalModelAdmin(ModelAdmin):
    """Common behaviour: 404 for objects the user cannot see."""

    #: Set on admins of data that is not region-bound, with the reason, so the
    #: scoping test knows the omission is deliberate.
    scope_exempt: str = ""

    def get_object(self, request, object_id, from_field=None):
        """Return the object or raise 404 when it is missing or out of the user's scope."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


class ScopedModelAdmin(PortalModelAdmin):
    """A ModelAdmin whose rows belong to a pooling region."""

    #: Lookup path from this model to its ``policies.Region`` foreign key.
    region_field = "region"

    def get_queryset(self, request):
        """Return only rows in the regions the user may see."""
        return scope_queryset(request.user, super().get_queryset(request), self.region_field)
