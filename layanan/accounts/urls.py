from django.urls import path
from django.utils.translation import gettext_lazy as _

from layanan.core.views import ComingSoonView

app_name = "accounts"

urlpatterns = [
    path("masuk/", ComingSoonView.as_view(title=_("Log in")), name="login"),
    path("registrasi/", ComingSoonView.as_view(title=_("Register")), name="register"),
]
