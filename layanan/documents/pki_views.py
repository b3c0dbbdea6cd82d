"""The local PKI, published under LDM_PUBLIC_URL for anyone who verifies a letter.

``/pki/`` explains it in Indonesian; ``/pki/ca.crt`` and ``/pki/crl`` are the current
generation's root certificate and CRL (``/pki/ca/<n>.crt``, ``/pki/crl/<n>`` each
generation's, as its certificates name them); ``POST /pki/ocsp`` answers RFC 6960 requests
(and ``GET /pki/ocsp/<base64>``, RFC 6960 A.1); ``POST /pki/tsa`` is the time-stamping unit
(RFC 3161). None of them needs a login, a cookie or a CSRF token: they speak protocols of
their own, to programs.
"""

import base64
import binascii

from cryptography.hazmat.primitives import hashes, serialization
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from layanan.core.throttle import client_address, throttle
from layanan.documents.models import CertificatePurpose
from layanan.documents.pki.authority import (
    Authority,
    PkiNotReady,
    authorities,
    authority_current,
    pki_addresses,
    service_identity,
)
from layanan.documents.pki.revocation import crl_current, ocsp_respond
from layanan.documents.pki.tsa import TIMESTAMP_QUERY, TIMESTAMP_REPLY, timestamp_respond

OCSP_REQUEST = "application/ocsp-request"
OCSP_RESPONSE = "application/ocsp-response"
# Requests to the protocol endpoints are small; a larger body is not one of them.
MAX_REQUEST_BYTES = 16 * 1024


def _authority(generation: int | None) -> Authority:
    try:
        if generation is None:
            return authority_current()
    except PkiNotReady:
        raise Http404 from None
    for authority in authorities():
        if authority.generation == generation:
            return authority
    raise Http404


def _binary(content: bytes, content_type: str, *, filename: str = "", max_age: int = 0):
    response = HttpResponse(content, content_type=content_type)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = f"public, max-age={max_age}" if max_age else "no-store"
    return response


@require_GET
def pki_index(request: HttpRequest) -> HttpResponse:
    """For verifiers: what the kabupaten's PKI is, where its parts are, how to trust it."""
    generations = []
    for authority in authorities():
        certificate = authority.certificate
        generations.append(
            {
                "authority": authority.record,
                "addresses": pki_addresses(authority.generation),
                "not_after": certificate.not_valid_after_utc,
                "fingerprint": certificate.fingerprint(hashes.SHA256()).hex(":").upper(),
            }
        )
    unit = None
    if generations:
        identity = service_identity(CertificatePurpose.TSA)
        unit = {"subject": identity.issued.subject, "not_after": identity.issued.not_after}
    return render(request, "documents/pki/index.html", {"generations": generations, "unit": unit})


@require_GET
def ca_certificate(request: HttpRequest, generation: int | None = None) -> HttpResponse:
    authority = _authority(generation)
    return _binary(
        authority.certificate.public_bytes(serialization.Encoding.DER),
        "application/pkix-cert",
        filename=f"ca-lokal-g{authority.generation}.crt",
        max_age=24 * 60 * 60,
    )


@require_GET
def crl(request: HttpRequest, generation: int | None = None) -> HttpResponse:
    return _binary(crl_current(_authority(generation)), "application/pkix-crl", max_age=60 * 60)


def _over_limit(request: HttpRequest, scope: str) -> bool:
    address = client_address(request)
    if throttle(scope).locked_until(address):
        return True
    throttle(scope).hit(address)
    return False


@csrf_exempt
@require_http_methods(["GET", "POST"])
def ocsp(request: HttpRequest, encoded: str = "") -> HttpResponse:
    if _over_limit(request, "pki-ocsp-address"):
        return HttpResponse(status=429)
    if request.method == "POST":
        if request.content_type != OCSP_REQUEST or len(request.body) > MAX_REQUEST_BYTES:
            return HttpResponse(status=415)
        body = request.body
    else:
        try:
            body = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            body = b""
    return _binary(ocsp_respond(body), OCSP_RESPONSE)


@csrf_exempt
@require_POST
def tsa(request: HttpRequest) -> HttpResponse:
    if request.content_type != TIMESTAMP_QUERY:
        return HttpResponse(status=415)
    if len(request.body) > MAX_REQUEST_BYTES:
        return HttpResponse(status=413)
    if _over_limit(request, "pki-tsa-address"):
        return HttpResponse(status=429)
    return _binary(timestamp_respond(request.body), TIMESTAMP_REPLY)
