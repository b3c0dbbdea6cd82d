"""Security probes: the permission matrix of every URL of the project, CSRF on every POST,
stored XSS in every free-text field (HTML and PDF), and the security headers.

A new URL pattern without a row in MATRIX fails the suite: someone has to decide who may
open it.
"""

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from layanan.accounts.tokens import confirmation_token_make
from layanan.documents.services import letter_sign
from layanan.letters.models import RequestStatus
from layanan.letters.tests.factories import LetterRequestFactory

pytestmark = pytest.mark.django_db

# Expected statuses are per actor, in the root conftest's ACTOR_NAMES order.
ALL_200 = [200] * 7
RESIDENT_ONLY = [302, 200, 200, 403, 403, 403, 403]
ADMIN_ONLY = [302, 403, 403, 403, 403, 403, 200]
ADMIN_POST = [302, 403, 403, 403, 403, 403, 405]
LOGGED_OUT_ONLY = [200, 302, 302, 302, 302, 302, 302]

# URL name -> (which object its arguments name, expected GET status per actor).
MATRIX = {
    "content:home": (None, ALL_200),
    "core:attribution": (None, ALL_200),
    "core:health": (None, ALL_200),
    # The installable site: the same public files for everyone.
    "core:manifest": (None, ALL_200),
    "core:service-worker": (None, ALL_200),
    "core:offline": (None, ALL_200),
    # The demo's own news portal: only with LDM_DEMO_NEWS (debug mode), off in tests.
    "demo:news-feed": (None, [404] * 7),
    "demo:news-article": ("demo_news", [404] * 7),
    "accounts:register": (None, LOGGED_OUT_ONLY),
    "accounts:register-done": (None, [302] * 7),
    "accounts:confirm": ("confirm", ALL_200),
    "accounts:confirm-resend": (None, ALL_200),
    "accounts:terms": (None, ALL_200),
    "accounts:captcha": (None, ALL_200),
    "accounts:login": (None, LOGGED_OUT_ONLY),
    "accounts:staff-login": (None, LOGGED_OUT_ONLY),
    "accounts:two-factor": (None, [302] * 7),
    "accounts:logout": (None, [405] * 7),
    "accounts:password-reset": (None, ALL_200),
    "accounts:password-reset-done": (None, ALL_200),
    "accounts:password-reset-confirm": ("reset", ALL_200),
    "accounts:password-reset-complete": (None, ALL_200),
    "letters:dashboard": (None, RESIDENT_ONLY),
    "accounts:profile": (None, RESIDENT_ONLY),
    "accounts:profile-edit": (None, RESIDENT_ONLY),
    "accounts:own-document": ("own_document", RESIDENT_ONLY),
    "accounts:village-options": (None, ALL_200),
    "accounts:password-change": (None, [302, 200, 200, 200, 200, 200, 200]),
    "accounts:verification-list": (None, [302, 403, 403, 200, 200, 403, 403]),
    "accounts:verification-detail": ("profile", [302, 403, 403, 200, 404, 403, 403]),
    "accounts:verification-document": ("profile_document", [302, 403, 403, 200, 404, 403, 403]),
    "accounts:verification-verify": ("profile", [302, 403, 403, 405, 405, 403, 403]),
    "accounts:verification-reject": ("profile", [302, 403, 403, 405, 405, 403, 403]),
    "accounts:counter-recovery": (None, [302, 403, 403, 200, 200, 403, 403]),
    "accounts:counter-recovery-account": ("profile", [302, 403, 403, 200, 404, 403, 403]),
    "content:news": (None, ALL_200),
    "content:village-info": (None, ALL_200),
    "content:announcement": ("announcement", ALL_200),
    "content:announcement-attachment": ("announcement", [404] * 7),  # it has no attachment
    "content:guide": (None, ALL_200),
    "content:guide-page": ("guide_page", ALL_200),
    "content:staff-announcements": (None, ADMIN_ONLY),
    "content:staff-announcement-create": (None, ADMIN_ONLY),
    "content:staff-announcement-edit": ("announcement_pk", ADMIN_ONLY),
    "content:staff-announcement-delete": ("announcement_pk", ADMIN_ONLY),  # GET: a confirmation
    "content:staff-websites": (None, ADMIN_ONLY),
    "content:staff-news": (None, ADMIN_ONLY),
    "content:staff-news-fetch": (None, ADMIN_POST),
    "letters:catalogue": (None, ALL_200),
    "letters:type-detail": ("type", ALL_200),
    "letters:request-create": ("type", RESIDENT_ONLY),
    "letters:history": (None, RESIDENT_ONLY),
    "letters:request-detail": ("draft", [302, 200, 404, 403, 403, 403, 403]),
    "letters:request-cancel": ("draft", [302, 405, 405, 403, 403, 403, 403]),
    "backoffice:letter-types": (None, ADMIN_ONLY),
    "backoffice:letter-type-create": (None, ADMIN_ONLY),
    "backoffice:letter-type-preview-new": (None, ADMIN_POST),
    "backoffice:letter-type-edit": ("type", ADMIN_ONLY),
    "backoffice:letter-type-preview": ("type", ADMIN_POST),
    "letters:inbox": (None, [302, 403, 403, 200, 200, 200, 403]),
    "letters:walk-in": (None, [302, 403, 403, 200, 200, 403, 403]),
    "letters:walk-in-details": (None, [302, 403, 403, 302, 302, 403, 403]),
    "letters:staff-detail": ("draft", [302, 403, 403, 200, 404, 200, 403]),
    "letters:staff-accept": ("draft", [302, 403, 403, 405, 405, 405, 403]),
    "letters:staff-reject": ("draft", [302, 403, 403, 405, 405, 405, 403]),
    "documents:signing-queue": (None, [302, 403, 403, 403, 403, 200, 403]),
    "documents:certificate": (None, [302, 403, 403, 403, 403, 200, 403]),
    "documents:certificate-revoke": (None, [302, 403, 403, 403, 403, 405, 403]),
    "documents:preview": ("konsep", [302, 403, 403, 200, 404, 200, 403]),
    "documents:staff-download": ("issued", [302, 403, 403, 200, 404, 200, 403]),
    "documents:sign": ("konsep", [302, 403, 403, 403, 403, 405, 403]),
    "letters:staff-send-back": ("konsep", [302, 403, 403, 403, 403, 405, 403]),
    "letters:staff-revoke": ("issued", [302, 403, 403, 405, 405, 405, 403]),
    "documents:download": ("issued", [302, 200, 404, 403, 403, 403, 403]),
    # The local PKI, public for verifiers and their programs.
    "documents:pki": (None, ALL_200),
    "documents:pki-ca": (None, ALL_200),
    "documents:pki-ca-generation": ("generation", ALL_200),
    "documents:pki-crl": (None, ALL_200),
    "documents:pki-crl-generation": ("generation", ALL_200),
    "documents:pki-ocsp": (None, ALL_200),  # a GET without a request: "malformed", in OCSP
    "documents:pki-ocsp-get": ("ocsp_request", ALL_200),
    "documents:pki-tsa": (None, [405] * 7),
    "verification:letter": ("token", ALL_200),
    # The original PDF: its owner, or whoever types its access code on the form (below).
    "verification:letter-pdf": ("token", [403, 200, 403, 403, 403, 403, 403]),
    "verification:letter-download": ("token", [200, 302, 200, 200, 200, 200, 200]),
    "verification:upload": (None, ALL_200),
    "backoffice:audit-log": (None, ADMIN_ONLY),
    "backoffice:audit-export": (None, ADMIN_ONLY),
    "backoffice:dashboard": (None, [302, 403, 403, 200, 200, 200, 200]),
    "backoffice:village-office": (None, [302, 403, 403, 200, 200, 403, 403]),
    "backoffice:staff-list": (None, ADMIN_ONLY),
    "backoffice:staff-create": (None, ADMIN_ONLY),
    "backoffice:staff-edit": ("staff", ADMIN_ONLY),
    "backoffice:staff-action": ("staff_action", ADMIN_POST),
    "backoffice:staff-certificate-revoke": ("staff", ADMIN_POST),
    "backoffice:village-list": (None, ADMIN_ONLY),
    "backoffice:village-edit": ("village", ADMIN_ONLY),
    "backoffice:statistics": (None, [302, 403, 403, 200, 200, 200, 200]),
    "backoffice:statistics-csv": (None, [302, 403, 403, 200, 200, 200, 200]),
    "backoffice:statistics-xlsx": (None, [302, 403, 403, 200, 200, 200, 200]),
    # The residents' own rights (layanan.privacy): each resident sees only their own data.
    "content:privacy": (None, ALL_200),
    "privacy:my-data": (None, RESIDENT_ONLY),
    "privacy:export": ("export", RESIDENT_ONLY),
    "privacy:correction-create": (None, RESIDENT_ONLY),
    "privacy:close-account": (None, RESIDENT_ONLY),
    "privacy:staff-corrections": (None, [302, 403, 403, 200, 200, 403, 403]),
    "privacy:staff-correction-decide": ("correction", [302, 403, 403, 405, 405, 403, 403]),
    "letters:walk-in-cancel": (None, [302, 403, 403, 405, 405, 403, 403]),
}


def _url_names(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_pattern_has_a_row_in_the_matrix():
    names = set(_url_names(get_resolver().url_patterns))

    assert names - set(MATRIX) == set(), "new URLs need a row in MATRIX"
    assert set(MATRIX) - names == set(), "MATRIX names URLs that no longer exist"


@pytest.fixture
def world(actors, resident, operator, signing_head, head_passphrase, district_admin, draft):
    from layanan.content.models import Announcement

    issued = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)
    konsep = LetterRequestFactory(applicant=resident, status=RequestStatus.KONSEP)
    proses = LetterRequestFactory(applicant=resident)
    announcement = Announcement.objects.create(
        title="Pengumuman uji",
        slug="pengumuman-uji",
        body="<p>Isi</p>",
        publish_on="2020-01-01",
        created_by=district_admin,
    )
    from layanan.privacy.services import correction_request_create

    correction = correction_request_create(
        resident=resident, what_is_wrong="Tanggal lahir", should_be="12 Maret 1990"
    )
    profile = resident.profile
    arguments = {
        None: {},
        "confirm": {"token": confirmation_token_make(resident)},
        "reset": {"uidb64": "MQ", "token": "tidak-berlaku"},
        "own_document": {"kind": "ktp"},
        "profile": {"public_id": profile.public_id},
        "profile_document": {"public_id": profile.public_id, "kind": "ktp"},
        "announcement": {"slug": announcement.slug},
        "announcement_pk": {"pk": announcement.pk},
        "guide_page": {"slug": "registrasi-dan-masuk"},
        "type": {"code": "sk-domisili"},
        "draft": {"number": proses.registration_number},
        "konsep": {"number": konsep.registration_number},
        "issued": {"number": issued.registration_number},
        "token": {"token": issued.verification_token},
        "staff": {"pk": operator.pk},
        "staff_action": {"pk": operator.pk, "action": "password"},
        "village": {"code": operator.village_id},
        "generation": {"generation": 1},
        "ocsp_request": {"encoded": "MAA="},
        "export": {"fmt": "pdf"},
        "correction": {"pk": correction.pk},
        "demo_news": {"slug": "posyandu-layanan-sore"},
    }
    return arguments, actors


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_the_permission_matrix(world, name):
    arguments, people = world
    argument_key, expected = MATRIX[name]
    url = reverse(name, kwargs=arguments[argument_key])
    statuses = []
    for user in people.values():
        client = Client()
        if user is not None:
            client.force_login(user)
        statuses.append(client.get(url).status_code)

    assert statuses == expected, dict(zip(people, statuses, strict=True))


@pytest.mark.parametrize("as_actor", ["anonymous", "owner", "operator", "admin"])
def test_every_post_without_a_csrf_token_is_refused(world, as_actor):
    arguments, people = world
    client = Client(enforce_csrf_checks=True)
    if people[as_actor] is not None:
        client.force_login(people[as_actor])
    refused = {}
    for name, (argument_key, _expected) in MATRIX.items():
        response = client.post(reverse(name, kwargs=arguments[argument_key]), {"x": "1"})
        if name in PROTOCOL_ENDPOINTS:
            # No cookie, no session: they take only their protocol's content type.
            refused[name] = response.status_code in (405, 415)
            continue
        refused[name] = response.status_code == 403 and b'data-failure="csrf"' in response.content

    assert [name for name, ok in refused.items() if not ok] == []


# Endpoints for programs (RFC 6960 OCSP, RFC 3161 TSA): exempt from CSRF, since they act on
# nobody's session, and refusing any body that is not their own protocol.
PROTOCOL_ENDPOINTS = {"documents:pki-ocsp", "documents:pki-ocsp-get", "documents:pki-tsa"}


XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


def test_stored_scripts_are_escaped_everywhere_they_are_shown(world, tmp_path):
    from layanan.documents.rendering import letter_pdf
    from layanan.documents.tests.helpers import pdf_text
    from layanan.letters.models import LetterRequest
    from layanan.letters.services import letter_request_reject
    from layanan.regions.models import VillageOffice

    arguments, people = world
    resident, operator = people["owner"], people["operator"]
    resident.full_name = XSS
    resident.save()
    profile = resident.profile
    profile.address = XSS
    profile.birth_place = XSS
    profile.save()
    VillageOffice.objects.update_or_create(village=operator.village, defaults={"address": XSS})
    request = LetterRequest.objects.get(registration_number=arguments["draft"]["number"])
    request.applicant_name = XSS
    request.data = {"keterangan_lainnya": XSS, "keperluan": XSS}
    request.save()
    letter_request_reject(request=request, operator=operator, reason=XSS)
    pages = {
        "owner": ["/beranda/", "/profil/", "/riwayat/", f"/riwayat/{request.registration_number}/"],
        "operator": [
            "/petugas/permohonan/?status=semua",
            f"/petugas/permohonan/{request.registration_number}/",
            "/petugas/verifikasi/",
            f"/petugas/verifikasi/{profile.public_id}/",
            "/petugas/kop-surat/",
        ],
    }
    for actor, paths in pages.items():
        client = Client()
        client.force_login(people[actor])
        for path in paths:
            html = client.get(path).content.decode()
            assert "<script>alert" not in html, path
            assert "<img src=x" not in html, path

    pdf = tmp_path / "surat.pdf"
    konsep = LetterRequest.objects.get(registration_number=arguments["konsep"]["number"])
    konsep.applicant_name = XSS
    konsep.data = {"keterangan_lainnya": XSS, "keperluan": XSS}
    pdf.write_bytes(letter_pdf(konsep))
    text = " ".join(pdf_text(pdf).split())
    assert "<script>alert" in text  # printed literally, never interpreted


def test_security_headers_on_pages_and_files(world):
    arguments, people = world
    client = Client()
    page = client.get("/")
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["X-Frame-Options"] == "DENY"
    assert page["Referrer-Policy"] == "same-origin"
    assert page["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "default-src 'self'" in page["Content-Security-Policy"]
    assert "script-src 'self'" in page["Content-Security-Policy"]

    client.force_login(people["owner"])
    document = client.get(reverse("accounts:own-document", kwargs={"kind": "ktp"}))
    assert "sandbox" in document["Content-Security-Policy"]
    assert "no-store" in document["Cache-Control"]
    letter = client.get(reverse("documents:download", kwargs=arguments["issued"]))
    assert letter["Content-Disposition"].startswith("attachment;")
    assert "no-store" in letter["Cache-Control"]
