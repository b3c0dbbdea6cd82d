"""The BSrE client's reading of answers, without a server: BSrE's error bodies mapped to our
errors, the fields it is sent, and which calls are retried. The end-to-end behaviour is in
test_bsre.py, against the fake server."""

import json
import traceback
from typing import Any

import httpx
import pytest

from layanan.documents.signing import SignerNotReady, SignerUnavailable, WrongPassphrase
from layanan.documents.signing.base import SignatureRequest
from layanan.documents.signing.bsre import (
    BSrEClient,
    BSrEConfig,
    BSrESigner,
    answer_error,
    clean_message,
    not_ready_message,
    refusal,
    v1_fields,
    v2_properties,
)

PASSPHRASE = "Rahasia-Unit-0042"
NIK = "3325111507800001"
URL = "http://127.0.0.1:8000/v/abcdefghijklmnopqrst/"


def _config(**changes: Any) -> BSrEConfig:
    values: dict[str, Any] = {
        "url": "http://bsre.test",
        "version": 1,
        "username": "app",
        "password": "secret",
    }
    return BSrEConfig(**(values | changes))


def _document() -> SignatureRequest:
    return SignatureRequest(
        pdf=b"%PDF-1.7 not really",
        reason="Surat Keterangan Domisili Nomor 470/001/XI/2026",
        location="Kelurahan Kauman",
        letter_number="470/001/XI/2026",
        verification_url=URL,
    )


@pytest.mark.parametrize(
    ("body", "error_class", "code", "words"),
    [
        (
            {"error": "Passphrase anda salah", "status_code": 2031},
            WrongPassphrase,
            "wrong_passphrase",
            "Passphrase anda salah",
        ),
        (
            {"message": "Passphrase anda salah", "status_code": "2031"},  # v2: "message"
            WrongPassphrase,
            "wrong_passphrase",
            "Passphrase anda salah",
        ),
        (
            {"error": "User tidak terdaftar", "status_code": 2011},
            SignerNotReady,
            "signer_not_ready",
            "User tidak terdaftar",
        ),
        (
            {"status": "SUSPEND", "message": "Sertifikat dibekukan"},
            SignerNotReady,
            "signer_not_ready",
            "Sertifikat dibekukan",
        ),
        (
            {"error": "Proses signing gagal: dokumen rusak", "status_code": 500},
            None,
            "pdf_rejected",
            "Proses signing gagal: dokumen rusak",
        ),
        (
            {"error": "Kuota harian habis", "status_code": 2099},
            None,
            "bsre_refused",
            "Kuota harian habis",
        ),
    ],
)
def test_bsre_error_bodies_become_our_errors_with_bsre_s_own_words(body, error_class, code, words):
    error = refusal(body)

    if error_class is not None:
        assert isinstance(error, error_class)
    assert error.code == code
    assert f"(BSrE: {words})" in error.message


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("NOT_REGISTERED", "tidak terdaftar"),
        ("NO_CERTIFICATE", "belum memiliki sertifikat"),
        ("NEW", "belum diproses"),
        ("WAITING_FOR_VERIFICATION", "menunggu verifikasi"),
        ("EXPIRED", "kedaluwarsa"),
        ("RENEW", "sedang diperpanjang"),
        ("SUSPEND", "dibekukan"),
        ("REVOKE", "dicabut"),
        ("SOMETHING_NEW", "SOMETHING_NEW"),
    ],
)
def test_every_certificate_status_but_issue_is_explained(status, words):
    message = not_ready_message(status)

    assert words in message
    assert message.endswith("Surat tidak ditandatangani.")


@pytest.mark.parametrize(
    ("response", "words"),
    [
        (httpx.Response(500, text="<html>oops</html>"), "Layanan TTE tidak tersedia"),
        (httpx.Response(503, json={"error": "maintenance"}), "Layanan TTE tidak tersedia"),
        (httpx.Response(400, content=b"\x00\xffnot json"), "Layanan TTE tidak tersedia"),
        (httpx.Response(400, json=["a", "list"]), "Layanan TTE tidak tersedia"),
        (httpx.Response(401, json={"error": "Unauthorized"}), "kredensial aplikasi"),
    ],
)
def test_answers_that_are_not_bsre_errors_mean_the_service_is_unavailable(response, words):
    error = answer_error(response)

    assert isinstance(error, SignerUnavailable)
    assert words in error.message


def test_bsre_text_is_cleaned_of_the_passphrase_and_kept_short():
    assert clean_message(f"Passphrase {PASSPHRASE} salah", PASSPHRASE) == "Passphrase *** salah"
    assert clean_message("baris\nbaru\x00 dan\ttab") == "baris baru dan tab"
    assert len(clean_message("x" * 1000)) == 200
    error = refusal({"error": f"Passphrase {PASSPHRASE} salah", "status_code": 2031}, PASSPHRASE)
    assert PASSPHRASE not in error.message


def test_the_fields_sent_for_each_appearance():
    document = _document()

    assert v1_fields(_config(), document)["tampilan"] == "invisible"
    assert v2_properties(_config(), document)["tampilan"] == "INVISIBLE"
    marker = v1_fields(_config(appearance="qr_marker", marker="#"), document)
    assert marker | {"reason": "", "location": ""} == {
        "reason": "",
        "location": "",
        "tampilan": "visible",
        "image": "false",
        "linkQR": URL,
        "tag_koordinat": "#",
        "width": "130",
        "height": "70",
    }
    coordinates = v2_properties(_config(appearance="qr_coordinates", page="2"), document)
    assert coordinates["tampilan"] == "VISIBLE"
    assert coordinates["linkQR"] == URL
    assert (coordinates["page"], coordinates["originX"], coordinates["originY"]) == (2, 400, 90)


class Recorder:
    """A transport that answers from a list and records what it was asked."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def bsre_settings(settings):
    settings.LDM_BSRE_URL = "http://bsre.test"
    settings.LDM_BSRE_API_VERSION = 1
    settings.LDM_BSRE_USERNAME = "app"
    settings.LDM_BSRE_PASSWORD = "secret"
    return settings


class _Head:
    staff_nik = NIK


def test_the_status_check_is_retried_once_when_no_connection_was_made(bsre_settings):
    recorder = Recorder(
        httpx.ConnectError("refused"),
        httpx.Response(200, json={"status_code": 1111, "status": "ISSUE", "message": ""}),
    )
    signer = BSrESigner(transport=httpx.MockTransport(recorder))

    session = signer.open_session(user=_Head(), passphrase=PASSPHRASE)

    assert session.backend == "bsre"
    assert len(recorder.requests) == 2
    assert recorder.requests[0].url.path == f"/api/user/status/{NIK}"
    assert recorder.requests[0].headers["Authorization"].startswith("Basic ")
    assert PASSPHRASE not in repr(session)


def test_a_status_check_failing_twice_means_unavailable(bsre_settings):
    recorder = Recorder(httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"))

    with pytest.raises(SignerUnavailable):
        BSrESigner(transport=httpx.MockTransport(recorder)).open_session(
            user=_Head(), passphrase=PASSPHRASE
        )
    assert len(recorder.requests) == 2


@pytest.mark.parametrize(
    "failure", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.ReadError("cut")]
)
def test_a_signing_call_is_never_sent_twice_and_its_failure_holds_no_passphrase(failure):
    recorder = Recorder(failure, httpx.Response(200, content=b"%PDF-"))
    client = BSrEClient(_config(), transport=httpx.MockTransport(recorder))

    with pytest.raises(SignerUnavailable) as raised:
        client.sign_v1(nik=NIK, passphrase=PASSPHRASE, document=_document())

    assert len(recorder.requests) == 1
    assert PASSPHRASE.encode() in recorder.requests[0].content  # it was sent, in the body
    assert raised.value.__cause__ is None
    assert raised.value.__context__ is None  # no HTTP error (holding the request) chained
    assert PASSPHRASE not in "".join(traceback.format_exception(raised.value))


def test_v2_sends_a_batch_in_one_call_and_reads_every_file_back():
    recorder = Recorder(httpx.Response(200, json={"time": 1, "file": ["JVBERi0=", "JVBERi0="]}))
    client = BSrEClient(_config(version=2), transport=httpx.MockTransport(recorder))

    returned = client.sign_v2(nik=NIK, passphrase=PASSPHRASE, documents=[_document()] * 2)

    assert returned == [b"%PDF-", b"%PDF-"]
    (request,) = recorder.requests
    assert request.url.path == "/api/v2/sign/pdf"
    body = json.loads(request.content)
    assert len(body["file"]) == 2
    assert len(body["signatureProperties"]) == 1  # identical properties: one shared entry


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, json={"file": ["JVBERi0="]}),  # one file for two documents
        httpx.Response(200, json={"file": ["not base64!", "JVBERi0="]}),
        httpx.Response(200, content=b"garbage"),
    ],
)
def test_a_v2_answer_that_does_not_fit_means_unavailable(answer):
    client = BSrEClient(_config(version=2), transport=httpx.MockTransport(Recorder(answer)))

    with pytest.raises(SignerUnavailable):
        client.sign_v2(nik=NIK, passphrase=PASSPHRASE, documents=[_document()] * 2)
