from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "layanan.verification"
    label = "verification"
    verbose_name = _("Verification")

    def ready(self) -> None:
        from layanan.verification import checks  # noqa: F401, PLC0415 - registers the checks
