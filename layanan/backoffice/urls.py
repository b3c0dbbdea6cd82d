from django.urls import path

from layanan.backoffice import staff_views, stats_views, views

app_name = "backoffice"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("kop-surat/", views.village_office, name="village-office"),
    path("staf/", staff_views.staff_list, name="staff-list"),
    path("staf/baru/", staff_views.staff_create, name="staff-create"),
    path("staf/<int:pk>/", staff_views.staff_edit, name="staff-edit"),
    path("staf/<int:pk>/<slug:action>/", staff_views.staff_action, name="staff-action"),
    path("desa/", staff_views.village_list, name="village-list"),
    path("desa/<str:code>/", staff_views.village_edit, name="village-edit"),
    path("statistik/", stats_views.statistics, name="statistics"),
    path("statistik/ekspor.csv", stats_views.statistics_csv, name="statistics-csv"),
    path("statistik/ekspor.xlsx", stats_views.statistics_xlsx, name="statistics-xlsx"),
]
