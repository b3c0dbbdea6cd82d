"""Project configuration. Importing it makes the Celery app the default for shared tasks."""

from config.celery import app as celery_app

__all__ = ("celery_app",)
