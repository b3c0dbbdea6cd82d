from django.apps import AppConfig


class ScaleConfig(AppConfig):
    """Fictional data at production size (`generate_data`), for load tests and query plans."""

    name = "layanan.scale"
    verbose_name = "Data at scale"
