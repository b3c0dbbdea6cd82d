"""The audit log viewer, in the staff area (/petugas/audit/)."""

from django.urls import path

from layanan.audit import views

app_name = "audit"

urlpatterns = [
    path("petugas/audit/", views.audit_log, name="log"),
    path("petugas/audit/ekspor.csv", views.audit_log_export, name="export"),
]
