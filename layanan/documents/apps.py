from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "layanan.documents"
    label = "documents"
    verbose_name = _("Documents and signatures")

    def ready(self) -> None:
        # Imported here, as Django wants receivers connected: once the apps are loaded.
        from layanan.accounts.signals import staff_left_office  # noqa: PLC0415
        from layanan.documents.receivers import revoke_certificate_of_leaver  # noqa: PLC0415

        staff_left_office.connect(revoke_certificate_of_leaver, dispatch_uid="documents-leaver")
