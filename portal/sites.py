"""The portal's AdminSite: Chinese titles and a home page fitted to a caseworker's day."""

from django.utils.translation import gettext_lazy as _
from unfold.sites import UnfoldAdminSite


class PortalAdminSite(UnfoldAdminSite):
    site_header = _("Family mutual aid of personal accounts")
    site_title = _("Family mutual aid portal")
    index_title = _("Today's work")
    enable_nav_sidebar = True
    site_url = None  # no public site to go back to

    def get_urls(self):
        """The admin's URLs, with the supervisor reports (``/admin/reports/``) before them."""
        from reports.views import report_urls

        return report_urls(self) + super().get_urls()
