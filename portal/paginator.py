"""A paginator for tables of millions of rows: it never counts past a cap."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedCountPaginator(Paginator):
    """Count at most ``cap`` rows (``SELECT count(*) FROM (… LIMIT cap+1)``).

    A caseworker searching for a person gets the exact count of a small
    result; browsing a region of millions shows "10,000+" and pages up to the
    cap, which stays cheap however large the table grows.
    """

    cap = 10_000
    template_name = "admin/pagination_capped.html"

    @cached_property
    def count(self) -> int:
        counted = self.object_list[: self.cap + 1].count()
        self.is_capped = counted > self.cap
        return min(counted, self.cap)

    is_capped = False
