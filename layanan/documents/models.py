"""Signing keys of village heads, and the local public key infrastructure that certifies
them: the CA's generations, every certificate issued, the service keys of the TSA and the
OCSP responder, and the CRLs."""

from django.conf import settings
from django.db import models
from django.utils import timezone
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
    issued = models.OneToOneField(
        "IssuedCertificate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credential",
        verbose_name=_("certificate record"),
    )
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


# --- The local public key infrastructure (documents/pki/) ------------------------------------


class CertificateAuthority(models.Model):
    """One generation of the kabupaten's local root CA.

    A rotation (``manage.py pki_rotate --ca``) adds a generation and retires the previous
    one, which stays: it still answers for the certificates it issued (CRL, OCSP), and
    letters signed under it verify against it. The key is encrypted at rest with the PKI
    passphrase of the configuration (``LDM_PKI_PASSPHRASE``), never stored here in clear.
    """

    generation = models.PositiveIntegerField(_("generation"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    certificate_pem = models.TextField(_("certificate"))
    encrypted_key_pem = models.TextField(_("encrypted private key"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["-generation"]
        verbose_name = _("certificate authority")
        verbose_name_plural = _("certificate authorities")

    def __str__(self) -> str:
        return f"{self.name} ({self.generation})"


class CertificatePurpose(models.TextChoices):
    SIGNER = "signer", _("Letter signer")
    TSA = "tsa", _("Time-stamping unit")
    OCSP = "ocsp", _("OCSP responder")


class RevocationReason(models.TextChoices):
    """The reasons of RFC 5280 that the office uses, as CRLs and OCSP say them."""

    UNSPECIFIED = "unspecified", _("No reason given")
    KEY_COMPROMISE = "key_compromise", _("The key may be known to someone else")
    AFFILIATION_CHANGED = "affiliation_changed", _("The holder left the office")
    SUPERSEDED = "superseded", _("Replaced by a new certificate")
    CESSATION_OF_OPERATION = "cessation_of_operation", _("No longer used")


class IssuedCertificate(models.Model):
    """Every certificate a generation of the local CA issued: what its CRL lists and what
    its OCSP responder answers about."""

    authority = models.ForeignKey(
        CertificateAuthority,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("issued by"),
    )
    serial_number = models.CharField(_("serial number (hex)"), max_length=40)
    purpose = models.CharField(_("purpose"), max_length=10, choices=CertificatePurpose.choices)
    subject = models.CharField(_("subject"), max_length=300)
    certificate_pem = models.TextField(_("certificate"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(
        _("reason for revocation"), max_length=30, choices=RevocationReason.choices, blank=True
    )

    class Meta:
        ordering = ["-not_before", "-id"]
        verbose_name = _("issued certificate")
        verbose_name_plural = _("issued certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "serial_number"], name="documents_unique_serial_per_ca"
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revocation_reason="")
                | (models.Q(revoked_at__isnull=False) & ~models.Q(revocation_reason="")),
                name="documents_revocation_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["authority", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.serial_number}"

    @property
    def is_expired(self) -> bool:
        return self.not_after <= timezone.now()


class ServiceKey(models.Model):
    """The key of one of the PKI's own services (the time-stamping unit, the OCSP responder),
    encrypted at rest with the PKI passphrase. The newest unretired one of each purpose
    serves; retired ones are kept only as long as their certificate record is."""

    certificate = models.OneToOneField(
        IssuedCertificate,
        on_delete=models.PROTECT,
        related_name="service_key",
        verbose_name=_("certificate"),
    )
    encrypted_key_pem = models.TextField(_("encrypted private key"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("service key")
        verbose_name_plural = _("service keys")

    def __str__(self) -> str:
        return str(self.certificate)


class RevocationList(models.Model):
    """A CRL a generation of the CA issued (DER), newest first; ``/pki/crl`` serves the
    newest of the current generation."""

    authority = models.ForeignKey(
        CertificateAuthority,
        on_delete=models.PROTECT,
        related_name="revocation_lists",
        verbose_name=_("issued by"),
    )
    number = models.PositiveIntegerField(_("CRL number"))
    this_update = models.DateTimeField(_("issued at"))
    next_update = models.DateTimeField(_("next update"))
    der = models.BinaryField(_("CRL (DER)"))

    class Meta:
        ordering = ["-number"]
        verbose_name = _("certificate revocation list")
        verbose_name_plural = _("certificate revocation lists")
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "number"], name="documents_unique_crl_number_per_ca"
            )
        ]

    def __str__(self) -> str:
        return f"CRL {self.number} ({self.authority.generation})"


class LetterArchive(models.Model):
    """An issued letter's long-term evidence: how large its issued revision was (the SHA-256
    of the request identifies it) and until when its newest archive timestamp holds. The
    archive task appends a fresh DSS and timestamp before that date (``documents.archive``)."""

    request = models.OneToOneField(
        "letters.LetterRequest",
        on_delete=models.PROTECT,
        related_name="archive",
        verbose_name=_("letter"),
    )
    issued_size = models.PositiveIntegerField(_("size of the issued PDF (bytes)"))
    current_sha256 = models.CharField(_("SHA-256 of the stored PDF"), max_length=64)
    timestamp_valid_until = models.DateTimeField(
        _("newest archive timestamp valid until"), db_index=True
    )
    renewals = models.PositiveIntegerField(_("archive timestamps added"), default=0)
    renewed_at = models.DateTimeField(_("last renewed at"), null=True, blank=True)

    class Meta:
        ordering = ["timestamp_valid_until", "id"]
        verbose_name = _("letter archive")
        verbose_name_plural = _("letter archives")
        indexes = [models.Index(fields=["current_sha256"], name="documents_archive_current_sha")]

    def __str__(self) -> str:
        return f"{self.request_id} until {self.timestamp_valid_until:%Y-%m-%d}"
