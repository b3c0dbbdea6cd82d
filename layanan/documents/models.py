"""Signing keys of village heads under the local certificate authority."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SigningCredential(models.Model):
    """A head's key pair and certificate from the kabupaten's local CA.

    The private key is stored only encrypted with a key derived (scrypt) from the head's
    signing passphrase, which is never stored: without the passphrase the key is useless.
    A replaced or revoked credential is kept, so that letters signed with it still verify.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="signing_credentials",
        verbose_name=_("signer"),
    )
    certificate_pem = models.TextField(_("certificate"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    encrypted_key = models.BinaryField(_("encrypted private key"))
    kdf_salt = models.BinaryField(_("key derivation salt"))
    kdf_n = models.PositiveIntegerField(_("scrypt cost"), default=2**15)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("signing credential")
        verbose_name_plural = _("signing credentials")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="documents_one_active_credential_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.fingerprint[:16]}"
