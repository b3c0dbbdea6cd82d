"""Take the Panduan's screenshots from the running system, at phone and desktop width.

The command builds a throwaway installation (a temporary LDM_VAR_DIR with its own SQLite
database, demo accounts and local CA), adds the requests the screens need through the
services, serves it with ``runserver`` on a free local port and drives Debian's Chromium
with Playwright through the screens named in ``layanan.content.guide``. The PNGs are
reduced to a palette and written to ``layanan/content/static/content/panduan/``.

Nothing of the developer's own database or var/ folder is touched.
"""

import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from layanan.accounts.choices import ProfileStatus
from layanan.accounts.models import ResidentProfile, Role, User
from layanan.content.guide import SCREENSHOT_DIR, WIDTHS, all_shots
from layanan.demo.accounts import specimen_card
from layanan.documents.services import letter_sign
from layanan.letters.fields import request_specs
from layanan.letters.models import LetterType
from layanan.letters.services import letter_request_accept, letter_request_submit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CAPTCHA = "1234"
HEIGHTS = {"phone": 844, "desktop": 800}
PALETTE_COLOURS = 96
SEED_FILE = "panduan-seed.json"
SERVER_START_SECONDS = 60


class Command(BaseCommand):
    help = "Regenerate the Panduan's screenshots from a throwaway demo installation."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=str(SCREENSHOT_DIR), help="Folder for the PNG files."
        )
        parser.add_argument(
            "--only", nargs="*", default=None, help="Take only these screenshots (by name)."
        )
        # Internal: run inside the throwaway installation to add the requests the screens need.
        parser.add_argument("--seed", action="store_true", help="(internal)")

    def handle(self, *args, **options):
        if options["seed"]:
            self._seed()
            return
        output = Path(options["output"])
        output.mkdir(parents=True, exist_ok=True)
        wanted = {shot.name for shot in all_shots()}
        if options["only"]:
            unknown = set(options["only"]) - wanted
            if unknown:
                raise CommandError(f"Unknown screenshots: {', '.join(sorted(unknown))}")
            wanted = set(options["only"])
        if not Path(CHROMIUM).exists():
            raise CommandError(f"{CHROMIUM} is needed (apt-get install chromium).")
        with tempfile.TemporaryDirectory(prefix="ldm-panduan-") as var_dir:
            env = _environment(Path(var_dir))
            for step in (
                ["migrate", "--noinput"],
                ["setup_demo"],
                ["panduan_screenshots", "--seed"],
            ):
                self.stdout.write(f"manage.py {' '.join(step)}")
                _manage(step, env)
            seed = json.loads((Path(var_dir) / SEED_FILE).read_text())
            port = _free_port()
            server = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
                [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                base_url = f"http://127.0.0.1:{port}"
                _wait_until_up(base_url, server)
                written = _capture(base_url, seed, output, wanted, self.stdout)
            finally:
                server.terminate()
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    server.kill()
        total = sum(path.stat().st_size for path in written)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(written)} screenshots written to {output} ({total / 1024:.0f} KiB)."
            )
        )

    # --- inside the throwaway installation -------------------------------------------------------

    def _seed(self):
        """Requests in every state the guide shows, and a profile waiting for verification."""
        if "ldm-panduan-" not in str(settings.VAR_DIR):
            raise CommandError("--seed only runs inside the throwaway installation.")
        seed = _seed_requests(_demo_logins(settings.VAR_DIR / "demo-logins.txt"))
        (settings.VAR_DIR / SEED_FILE).write_text(json.dumps(seed))


# --- the throwaway installation -----------------------------------------------------------------


def _environment(var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
        and not key.startswith("LDM_")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "LDM_VAR_DIR": str(var_dir),
            "DJANGO_DEBUG": "1",
            "LDM_CAPTCHA_FIXED_CODE": CAPTCHA,
            # The second factor needs a phone; the screens it guards are not in the guide.
            "LDM_STAFF_2FA": "0",
            "LDM_NEWS_FEED_URL": "",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _manage(arguments: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(f"manage.py {' '.join(arguments)} failed:\n{result.stderr[-3000:]}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(base_url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError("The development server stopped before it answered.")
        try:
            with urllib.request.urlopen(f"{base_url}/", timeout=5):  # noqa: S310 - localhost
                return
        except OSError:
            time.sleep(0.5)
    raise CommandError("The development server did not answer in time.")


def _demo_logins(path: Path) -> dict[str, str]:
    """Passwords (by username or NIK) and the head's signing passphrase from setup_demo."""
    logins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        account = re.search(r"(?:username|NIK)\s+(\S+)\s+password\s+(\S+)", line)
        if account:
            logins[account.group(1)] = account.group(2)
        passphrase = re.search(r"Signing passphrase of (\S+): (\S+)", line)
        if passphrase:
            logins[f"passphrase:{passphrase.group(1)}"] = passphrase.group(2)
    return logins


def _data_for(letter_type, purpose: str) -> dict:
    data = {spec.name: [] if spec.is_group else "" for spec in request_specs(letter_type.fields)}
    data["keperluan"] = purpose
    return data


def _seed_requests(logins: dict[str, str]) -> dict:
    resident = User.objects.get(username="3325114506950003")
    operator = User.objects.get(username="operator.kauman")
    head = User.objects.get(username="lurah.kauman")
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    skck = LetterType.objects.get(code="SP-SKCK")

    issued = letter_request_submit(
        resident=resident,
        letter_type=domisili,
        data=_data_for(domisili, "Mengurus Dokumen Perizinan Berusaha"),
    )
    issued = letter_request_accept(request=issued, operator=operator)
    issued = letter_sign(request=issued, head=head, passphrase=logins["passphrase:lurah.kauman"])
    draft = letter_request_submit(
        resident=resident,
        letter_type=domisili,
        data=_data_for(domisili, "Pendaftaran sekolah anak"),
    )
    letter_request_accept(request=draft, operator=operator)
    waiting = letter_request_submit(
        resident=resident, letter_type=skck, data=_data_for(skck, "Melamar pekerjaan")
    )

    # A second, fictional resident whose profile waits for the operator.
    newcomer = User.objects.create_user(
        "3325110707880002",
        None,
        full_name="Budi Santoso",
        email="budi@example.com",
        role=Role.RESIDENT,
        email_confirmed_at=timezone.now(),
    )
    profile = ResidentProfile(
        user=newcomer,
        birth_place="BATANG",
        birth_date=dt.date(1988, 7, 7),
        gender="L",
        address="Jl. Yos Sudarso No. 5",
        rt="002",
        rw="001",
        phone="085700000004",
        kk_number="3325110101120004",
        education="05",
        marital_status="kawin_tercatat",
        religion="islam",
        occupation="88",
        village=operator.village,
        submitted_at=timezone.now(),
        status=ProfileStatus.UNVERIFIED,
    )
    card = [
        "NIK            : 3325110707880002",
        "Nama           : BUDI SANTOSO",
        "Tempat/Tgl Lahir: BATANG, 07-07-1988",
        "Alamat         : JL. YOS SUDARSO NO. 5 RT 002/001",
        "Kel/Desa       : KAUMAN",
    ]
    profile.ktp_file.save("ktp.jpg", specimen_card("PROVINSI JAWA TENGAH - KTP", card), save=False)
    profile.kk_file.save(
        "kk.jpg", specimen_card("KARTU KELUARGA No. 3325110101120004", card), save=False
    )
    profile.save()
    return {
        "logins": logins,
        "issued": issued.registration_number,
        "token": issued.verification_token,
        "draft": draft.registration_number,
        "waiting": waiting.registration_number,
        "profile": str(profile.public_id),
    }


# --- the browser ----------------------------------------------------------------------------------


def _screens(seed: dict) -> list[tuple[str, str | None, str]]:
    """(screenshot name, who is logged in, path)."""
    return [
        ("beranda", None, "/"),
        ("registrasi", None, "/registrasi/"),
        ("masuk", None, "/masuk/"),
        ("layanan", None, "/layanan/"),
        ("layanan-detail", None, "/layanan/sk-domisili/"),
        ("verifikasi", None, f"/v/{seed['token']}/"),
        ("verifikasi-unggah", None, "/verifikasi/"),
        ("beranda-warga", "resident", "/beranda/"),
        ("profil", "resident", "/profil/"),
        ("ajukan-permohonan", "resident", "/layanan/sk-domisili/ajukan/"),
        ("riwayat", "resident", "/riwayat/"),
        ("detail-permohonan", "resident", f"/riwayat/{seed['issued']}/"),
        ("ubah-password", "resident", "/ubah-password/"),
        ("petugas-verifikasi", "operator", f"/petugas/verifikasi/{seed['profile']}/"),
        ("petugas-permohonan", "operator", "/petugas/permohonan/"),
        ("petugas-detail", "operator", f"/petugas/permohonan/{seed['waiting']}/"),
        ("petugas-datang-langsung", "operator", "/petugas/permohonan/baru/"),
        ("petugas-kop-surat", "operator", "/petugas/kop-surat/"),
        ("petugas-tanda-tangan", "head", "/petugas/tanda-tangan/"),
        ("admin-pengumuman", "admin", "/petugas/pengumuman/"),
    ]


ACCOUNTS = {
    "resident": ("/masuk/", "3325114506950003"),
    "operator": ("/petugas/masuk/", "operator.kauman"),
    "head": ("/petugas/masuk/", "lurah.kauman"),
    "admin": ("/petugas/masuk/", "admin.kabupaten"),
}


def _log_in(page, base_url: str, who: str, logins: dict[str, str]) -> None:
    path, username = ACCOUNTS[who]
    page.goto(base_url + path)
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", logins[username])
    page.fill("input[name=captcha]", CAPTCHA)
    page.press("input[name=captcha]", "Enter")
    page.wait_for_load_state("load")
    if page.url.rstrip("/").endswith(path.rstrip("/")):
        raise CommandError(f"Could not log in as {username} for the screenshots.")


def _capture(base_url: str, seed: dict, output: Path, wanted: set[str], stdout) -> list[Path]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - a dev dependency

    screens = [screen for screen in _screens(seed) if screen[0] in wanted]
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for width_name, width in WIDTHS.items():
                contexts = {}
                for name, who, path in screens:
                    if who not in contexts:
                        contexts[who] = browser.new_context(
                            viewport={"width": width, "height": HEIGHTS[width_name]},
                            device_scale_factor=1,
                            is_mobile=width_name == "phone",
                            has_touch=width_name == "phone",
                            locale="id-ID",
                            timezone_id="Asia/Jakarta",
                        )
                        if who is not None:
                            _log_in(contexts[who].new_page(), base_url, who, seed["logins"])
                    page = contexts[who].new_page()
                    response = page.goto(base_url + path, wait_until="load")
                    if response is None or response.status != 200:
                        status = response.status if response else "no answer"
                        raise CommandError(f"{path} answered {status} for {name}")
                    target = output / f"{name}-{width_name}.png"
                    page.screenshot(path=str(target), full_page=False)
                    page.close()
                    _reduce(target)
                    written.append(target)
                    stdout.write(f"  {target.name} ({target.stat().st_size / 1024:.0f} KiB)")
                for context in contexts.values():
                    context.close()
        finally:
            browser.close()
    return written


def _reduce(path: Path) -> None:
    """A palette PNG: screens of flat colours lose nothing visible and most of their bytes."""
    from PIL import Image  # noqa: PLC0415

    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(
            colors=PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    reduced.save(path, format="PNG", optimize=True)
