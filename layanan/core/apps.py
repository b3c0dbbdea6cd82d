from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "layanan.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Every app's rules.py registers its permission rules by name, for the {% may %}
        # template tag (layanan/core/rules.py).
        autodiscover_modules("rules")
        from layanan.core import checks  # noqa: F401, PLC0415 - registers the deploy checks
