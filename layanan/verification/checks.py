"""System checks of the verification page's PDF download (``LDM_VERIFICATION_PDF_DOWNLOAD``)."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

PDF_DOWNLOAD_MODES = ("off", "code", "open")


@register(Tags.security)
def pdf_download_mode_check(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """An unknown mode would be a guess at who may have every NIK of a letter: refused."""
    if settings.LDM_VERIFICATION_PDF_DOWNLOAD in PDF_DOWNLOAD_MODES:
        return []
    return [
        Error(
            "LDM_VERIFICATION_PDF_DOWNLOAD must be off, code or open.",
            hint=f"It is {settings.LDM_VERIFICATION_PDF_DOWNLOAD!r}; the default is code.",
            id="verification.E001",
        )
    ]


@register(Tags.security, deploy=True)
def pdf_download_open_check(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """The "open" mode gives the original PDF, with the full NIKs of everyone it names (heirs,
    witnesses) and figures such as income, to anyone who sees the letter's QR code."""
    if settings.LDM_VERIFICATION_PDF_DOWNLOAD != "open":
        return []
    return [
        Warning(
            "LDM_VERIFICATION_PDF_DOWNLOAD is open: anyone holding a letter's QR code (a "
            "photocopy, a photo) downloads its original PDF with every NIK and figure in it.",
            hint="Use code (the default): the PDF for whoever types the letter's access code.",
            id="verification.W001",
        )
    ]
