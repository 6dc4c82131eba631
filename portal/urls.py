from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views.intake import intake_view, receipt_view
from accounts.views.pages import proof_page

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/proofs/page/<int:pk>/<str:kind>/", proof_page, name="proof_page"),
    path("admin/proofs/intake/", admin.site.admin_view(intake_view), name="proof_intake"),
    path(
        "admin/proofs/<int:pk>/receipt/", admin.site.admin_view(receipt_view), name="proof_receipt"
    ),
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
