from django.apps import AppConfig
from django.conf import settings
from django.db.backends.signals import connection_created
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from layanan.core.private_files import sqlite_databases_create, sqlite_files_restrict


class CoreConfig(AppConfig):
    name = "layanan.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Every app's rules.py registers its permission rules by name, for the {% may %}
        # template tag (layanan/core/rules.py).
        autodiscover_modules("rules")
        # Registers the deploy checks; connects the request signals of after_response.
        from layanan.core import after_response, checks  # noqa: F401, PLC0415

        # The embedded default's database is readable by the installation's user only.
        sqlite_databases_create(settings.DATABASES)
        connection_created.connect(sqlite_files_restrict, dispatch_uid="ldm-sqlite-files")
