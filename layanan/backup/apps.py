from django.apps import AppConfig


class BackupConfig(AppConfig):
    """Backing up the database and the private files, and restoring them on a fresh install."""

    name = "layanan.backup"
    verbose_name = "Backup and restore"
