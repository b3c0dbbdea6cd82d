"""axe-core (served from node_modules, never from the internet) on every main page:
no serious or critical violations. And a form that works with the keyboard alone."""

import json

import pytest

from layanan.accounts.tests.factories import PASSWORD
from layanan.documents.services import letter_sign
from layanan.e2e.tests.conftest import ARTIFACTS, DESKTOP
from layanan.e2e.tests.pages import off_the_event_loop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PUBLIC = [
    "/",
    "/layanan/",
    "/layanan/sk-domisili/",
    "/layanan/sp-kelahiran/",
    "/berita/",
    "/informasi-desa/",
    "/panduan/",
    "/masuk/",
    "/petugas/masuk/",
    "/registrasi/",
    "/lupa-password/",
    "/verifikasi/",
    "/syarat-dan-privasi/",
]
RESIDENT = [
    "/beranda/",
    "/profil/",
    "/profil/ubah/",
    "/layanan/sk-domisili/ajukan/",
    "/riwayat/",
    "/ubah-password/",
]
OPERATOR = [
    "/petugas/",
    "/petugas/permohonan/",
    "/petugas/verifikasi/",
    "/petugas/permohonan/baru/",
    "/petugas/kop-surat/",
    "/petugas/statistik/",
]
HEAD = ["/petugas/tanda-tangan/", "/petugas/tanda-tangan/sertifikat/"]
ADMIN = [
    "/petugas/staf/",
    "/petugas/staf/baru/",
    "/petugas/jenis-surat/",
    "/petugas/jenis-surat/sk-domisili/",
    "/petugas/audit/",
    "/petugas/pengumuman/",
    "/petugas/website-desa/",
    "/petugas/desa/",
]


def _violations(page, axe_script: str) -> list[dict]:
    page.add_script_tag(content=axe_script)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _audit(context, paths, axe_script, report):
    page = context.new_page()
    for path in paths:
        response = page.goto(path)
        assert response.status < 400, (path, response.status)
        found = _violations(page, axe_script)
        report[path] = [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
            for v in found
        ]
    return report


def test_no_serious_or_critical_violations_on_the_main_pages(
    open_context,
    axe_script,
    batang,
    catalogue,
    resident,
    operator,
    signing_head,
    head_passphrase,
    district_admin,
    draft,
):
    issued = off_the_event_loop(
        letter_sign, request=draft, head=signing_head, passphrase=head_passphrase
    )
    report: dict[str, list] = {}
    options = {"viewport": DESKTOP, "bypass_csp": True}  # axe is injected as a script
    _audit(
        open_context(**options),
        [*PUBLIC, f"/v/{issued.verification_token}/", f"/v/{issued.verification_token}/unduh/"],
        axe_script,
        report,
    )
    _audit(
        open_context(resident, **options),
        [*RESIDENT, f"/riwayat/{issued.registration_number}/"],
        axe_script,
        report,
    )
    _audit(
        open_context(operator, **options),
        [*OPERATOR, f"/petugas/permohonan/{issued.registration_number}/"],
        axe_script,
        report,
    )
    _audit(open_context(signing_head, **options), HEAD, axe_script, report)
    _audit(open_context(district_admin, **options), ADMIN, axe_script, report)

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    failing = {path: found for path, found in report.items() if found}
    assert failing == {}, json.dumps(failing, indent=1)


def test_login_works_with_the_keyboard_alone(open_context, resident):
    page = open_context().new_page()
    page.goto("/masuk/")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Langsung ke konten"
    for _ in range(40):  # through the menu to the form
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_identifier":
            break
    page.keyboard.type(resident.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    while page.evaluate("document.activeElement.id") != "id_captcha":
        page.keyboard.press("Tab")
    page.keyboard.type("4531")
    page.keyboard.press("Enter")

    page.wait_for_url("**/beranda/")
