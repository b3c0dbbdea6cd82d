from django.urls import path

from layanan.backoffice import audit_views, letter_type_views, staff_views, stats_views, views

app_name = "backoffice"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("kop-surat/", views.village_office, name="village-office"),
    path("staf/", staff_views.staff_list, name="staff-list"),
    path("staf/baru/", staff_views.staff_create, name="staff-create"),
    path("staf/<int:pk>/", staff_views.staff_edit, name="staff-edit"),
    path(
        "staf/<int:pk>/sertifikat/cabut/",
        staff_views.staff_certificate_revoke,
        name="staff-certificate-revoke",
    ),
    path("staf/<int:pk>/<slug:action>/", staff_views.staff_action, name="staff-action"),
    path("desa/", staff_views.village_list, name="village-list"),
    path("desa/<str:code>/", staff_views.village_edit, name="village-edit"),
    path("statistik/", stats_views.statistics, name="statistics"),
    path("statistik/ekspor.csv", stats_views.statistics_csv, name="statistics-csv"),
    path("statistik/ekspor.xlsx", stats_views.statistics_xlsx, name="statistics-xlsx"),
    path("jenis-surat/", letter_type_views.type_list, name="letter-types"),
    path("jenis-surat/baru/", letter_type_views.type_edit, name="letter-type-create"),
    path(
        "jenis-surat/baru/pratinjau/",
        letter_type_views.type_preview,
        name="letter-type-preview-new",
    ),
    path("jenis-surat/<slug:code>/", letter_type_views.type_edit, name="letter-type-edit"),
    path(
        "jenis-surat/<slug:code>/pratinjau/",
        letter_type_views.type_preview,
        name="letter-type-preview",
    ),
    path("audit/", audit_views.audit_log, name="audit-log"),
    path("audit/ekspor.csv", audit_views.audit_log_export, name="audit-export"),
]
