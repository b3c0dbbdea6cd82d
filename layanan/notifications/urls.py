from django.urls import path

from layanan.notifications import views

app_name = "notifications"

urlpatterns = [
    path("email/", views.mailbox, name="mailbox"),
    path("email/<str:message_id>/", views.mailbox, name="mailbox-message"),
]
