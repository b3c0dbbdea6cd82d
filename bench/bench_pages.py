"""Page quality benchmark (`make bench-pages`): not a test, a measurement.

Lighthouse (the npm package pinned in bench/pages/package-lock.json) drives Debian's
Chromium headless over the pages a resident opens most: home, the catalogue, Masuk, the
Beranda and Riwayat of the demo resident (logged in through the real login form) and the QR
verification page of the demo letter. It uses Lighthouse's default mobile profile: a
mid-range phone's screen, simulated slow 4G and a CPU four times slower than this one.

The site runs as in production, on a throwaway SQLite database filled by `setup_demo` (and
the demo's Berita, its own fictional feed read by the real fetcher once the site is up):
gunicorn with production settings (DEBUG off, static files collected into a temporary folder
and served by WhiteNoise with hashed names and precompressed copies). Beyond production, only
the load benchmark's fixed Kode Keamanan (config/settings/bench_load.py), so that the script
can log in, and the demo's feed. It prints the performance, accessibility, best-practices
and SEO scores with the key metrics per page, the audits that cost a page below the target,
and writes each report (JSON and HTML) to test-artifacts/lighthouse/.

    .venv/bin/python bench/bench_pages.py [--runs N] [--page NAME ...]
"""

import argparse
import base64
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The same gunicorn, started and awaited the same way as for the load benchmark.
from bench_load import _free_port, _start_server

LIGHTHOUSE = ROOT / "bench" / "pages" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
# As the browser tests launch it (layanan/e2e/tests/conftest.py), headless.
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
REPORTS = ROOT / "test-artifacts" / "lighthouse"
PASSWORD = "Bench-Pages-2026!"  # noqa: S105 - the demo resident of a throwaway database
CAPTCHA = "4531"
TARGET = 95
# Lighthouse warns that the CPU is slower than it expects below this benchmark index
# (core/gather/driver/environment.js): the throttled CPU figures are not trustworthy then.
BUSY_INDEX = 1000
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = (
    ("first-contentful-paint", "FCP s", 1000, ".1f"),
    ("largest-contentful-paint", "LCP s", 1000, ".1f"),
    ("total-blocking-time", "TBT ms", 1, ".0f"),
    ("cumulative-layout-shift", "CLS", 1, ".3f"),
    ("total-byte-weight", "KB", 1024, ".1f"),
)


def _configure(var_dir: Path, port: int) -> None:
    """The environment of this process and of the server: production settings."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.bench_load",
            "DATABASE_URL": f"sqlite:///{var_dir / 'db.sqlite3'}",
            "LDM_VAR_DIR": str(var_dir),
            "LDM_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
            "LDM_PKI_PASSPHRASE": secrets.token_urlsafe(24),
            "LDM_FILE_KEYS": f"bench:{base64.b64encode(secrets.token_bytes(32)).decode()}",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on loopback: no redirect to https, which nothing here serves.
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "LDM_BENCH_CAPTCHA": CAPTCHA,
            "LDM_LOG_LEVEL": "ERROR",
            "LDM_ACCESS_LOG": "",
            "WEB_CONCURRENCY": "2",
            "CELERY_BROKER_URL": "memory://",
            # Berita as the demo shows it: the site's own fictional feed, read by the fetcher.
            "LDM_DEMO_NEWS": "1",
            "LDM_NEWS_FEED_URL": f"http://127.0.0.1:{port}/demo/berita.xml",
        }
    )


def _prepare() -> dict[str, str]:
    """Migrate, load the demo, collect static files; the pages to measure, name -> path."""
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connections

    from layanan.accounts.models import Role, User
    from layanan.letters.models import LetterRequest, RequestStatus

    with Path(os.devnull).open("w") as quiet:
        call_command("migrate", verbosity=0, stdout=quiet)
        call_command("setup_demo", stdout=quiet)
        call_command("collectstatic", interactive=False, verbosity=0, stdout=quiet)
    resident = User.objects.filter(role=Role.RESIDENT).get()
    resident.set_password(PASSWORD)
    resident.save(update_fields=["password"])
    letter = LetterRequest.objects.filter(applicant=resident, status=RequestStatus.TERBIT).first()
    if letter is None:
        raise SystemExit("setup_demo issued no demo letter (is LDM_SIGNER local?)")
    connections.close_all()
    return {
        "home": "/",
        "catalogue": "/layanan/",
        "Masuk": "/masuk/",
        "Beranda": "/beranda/",
        "Riwayat": "/riwayat/",
        "QR page": f"/v/{letter.verification_token}/",
    }


LOGGED_IN = {"Beranda", "Riwayat"}


def _demo_news() -> str:
    """Fetch the demo's news from the running site with the real fetcher (as `make run`)."""
    from django.db import connections

    from layanan.content.services import news_fetch

    result = news_fetch()
    connections.close_all()
    if not result.ok:
        return f"the demo news could not be fetched ({result.error_kind}): Berita says so"
    return f"{result.created} demo news items fetched"


def _log_in(base: str) -> str:
    """Log the demo resident in through the Masuk form; return the session's Cookie header.

    The form is posted as if behind the HTTPS proxy (gunicorn believes X-Forwarded-Proto
    from 127.0.0.1), so the CSRF check is the production one."""
    import httpx

    from layanan.accounts.models import Role, User

    nik = User.objects.filter(role=Role.RESIDENT).values_list("username", flat=True).get()
    headers = {
        "X-Forwarded-Proto": "https",
        "Referer": base.replace("http://", "https://") + "/masuk/",
    }
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        form = client.get("/masuk/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        if token is None:
            raise SystemExit("no CSRF token on /masuk/")
        cookies = dict(form.cookies)
        answer = client.post(
            "/masuk/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "identifier": nik,
                "password": PASSWORD,
                "captcha": CAPTCHA,
            },
            cookies=cookies,
        )
        if answer.status_code != 302:
            raise SystemExit(f"the demo resident's login failed ({answer.status_code})")
        cookies.update(dict(answer.cookies))
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def _lighthouse(url: str, output: Path, cookie: str | None) -> dict:
    """One Lighthouse run (mobile, simulated throttling); its JSON report. A run whose trace
    failed (Lighthouse's NO_NAVSTART, "Please run Lighthouse again") is tried once more."""
    try:
        return _lighthouse_once(url, output, cookie)
    except RuntimeError as error:
        print(f"  (run again: {str(error).splitlines()[-1]})")
        return _lighthouse_once(url, output, cookie)


def _lighthouse_once(url: str, output: Path, cookie: str | None) -> dict:
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        "--output=html",
        f"--output-path={output}",
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
    ]
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    result = subprocess.run(  # noqa: S603 - the pinned Lighthouse against our own server
        command,
        capture_output=True,
        text=True,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        timeout=300,
        check=False,
    )
    report = output.with_suffix(".report.json")
    if result.returncode != 0 or not report.exists():
        raise RuntimeError(f"lighthouse failed on {url}:\n{result.stderr[-3000:]}")
    data = json.loads(report.read_text(encoding="utf-8"))
    if data.get("runtimeError"):
        raise RuntimeError(f"lighthouse on {url}: {data['runtimeError']}")
    return data


def _score(report: dict, category: str) -> int | None:
    score = report["categories"].get(category, {}).get("score")
    return None if score is None else round(score * 100)


def _median_run(url: str, stem: Path, cookie: str | None, runs: int) -> dict:
    """The run of median performance score (Lighthouse's own advice for noisy figures);
    its report is kept under ``stem``, the others are removed."""
    reports = []
    for run in range(runs):
        path = stem.with_name(f"{stem.name}-{run}")
        reports.append((_lighthouse(url, path, cookie), path))
    reports.sort(key=lambda item: _score(item[0], "performance") or 0)
    report, kept = reports[len(reports) // 2]
    for _report, path in reports:
        for suffix in (".report.json", ".report.html"):
            source = path.with_suffix(suffix)
            if path == kept:
                source.replace(stem.with_suffix(suffix))
            else:
                source.unlink()
    return report


def _failing(report: dict) -> list[str]:
    """Audits that cost performance or accessibility points, worst first."""
    lines = []
    for category in ("performance", "accessibility"):
        for ref in report["categories"][category]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 0.9:
                value = audit.get("displayValue") or ""
                lines.append(
                    (audit["score"], f"{category}: {ref['id']} ({audit['score']:.2f}) {value}")
                )
    for ref in report["categories"]["performance"]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if not ref["weight"] and audit.get("details", {}).get("overallSavingsMs", 0) > 100:
            saved = audit["details"]["overallSavingsMs"]
            lines.append((0.5, f"performance: {ref['id']} (could save {saved:.0f} ms)"))
    return [line for _score_, line in sorted(lines, key=lambda item: item[0])]


def _busy(report: dict) -> bool:
    return report["environment"]["benchmarkIndex"] < BUSY_INDEX


def _print_table(results: dict[str, dict], environment: dict) -> None:
    print()
    print(
        f"Lighthouse {environment['lighthouseVersion']}, {environment['chromium']}; mobile "
        f"profile (simulated slow 4G, CPU x4), {environment['runs']} run(s) per page "
        "(median by performance)"
    )
    header = f"{'page':<11}{'perf':>6}{'a11y':>6}{'b-p':>6}{'seo':>6}"
    header += "".join(f"{label:>9}" for _audit, label, _unit, _format in METRICS)
    header += f"{'CPU':>6}{'met':>5}"
    print(header)
    print("-" * len(header))
    for name, report in results.items():
        scores = [_score(report, category) for category in CATEGORIES]
        row = f"{name:<11}" + "".join(f"{'-' if s is None else s:>6}" for s in scores)
        for audit, _label, unit, number in METRICS:
            value = report["audits"][audit].get("numericValue")
            row += f"{'-':>9}" if value is None else f"{value / unit:>9{number}}"
        row += f"{report['environment']['benchmarkIndex']:>6.0f}"
        met = all((s or 0) >= TARGET for s in scores[:2])
        print(row + f"{'yes' if met else 'NO':>5}")
    print(
        f"target: performance and accessibility >= {TARGET} on every page "
        "(best practices and SEO for information)"
    )
    print(
        "KB: bytes transferred; static files compressed by WhiteNoise, the HTML as gunicorn "
        "sends it, uncompressed (in production the reverse proxy compresses it)"
    )
    busy = [name for name, report in results.items() if _busy(report)]
    advice = ", with --runs 3" if environment["runs"] == 1 else ""
    print(
        f"CPU: Lighthouse's benchmark index of this machine during the run; below "
        f"{BUSY_INDEX} the CPU was busy (other work on the machine) and TBT is inflated"
        + (f": {', '.join(busy)}; run again{advice}" if busy else "")
    )
    for name, report in results.items():
        if any((_score(report, category) or 0) < TARGET for category in CATEGORIES[:2]):
            print(f"\n{name}, what costs points:")
            for line in _failing(report) or ["(no single audit below 0.9)"]:
                print(f"  {line}")
    print(f"\nReports: {REPORTS.relative_to(ROOT)}/<page>.report.html (and .json)")


def _chromium_version() -> str:
    result = subprocess.run(  # noqa: S603 - Debian's Chromium, asked for its version
        [CHROMIUM, "--version"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "Chromium"


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page (median)")
    parser.add_argument(
        "--page",
        action="append",
        choices=("home", "catalogue", "Masuk", "Beranda", "Riwayat", "QR page"),
        help="only this page (repeatable)",
    )
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is missing: `make bench-pages` installs it (npm ci in bench/pages)")
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is needed: apt-get install chromium")
    var_dir = Path(tempfile.mkdtemp(prefix="ldm-bench-pages-"))
    port = _free_port()
    _configure(var_dir, port)
    server = None
    try:
        print("Throwaway SQLite database: migrate, setup_demo, collect static files")
        pages = _prepare()
        if args.page:
            pages = {name: path for name, path in pages.items() if name in args.page}
        server = _start_server(port, var_dir / "gunicorn.log")
        base = f"http://127.0.0.1:{port}"
        news = _demo_news()
        cookie = _log_in(base)
        print(f"gunicorn on {base}; {news}; the demo resident logged in through /masuk/")
        REPORTS.mkdir(parents=True, exist_ok=True)
        results = {}
        for name, path in pages.items():
            stem = REPORTS / name.lower().replace(" ", "-")
            results[name] = _median_run(
                base + path, stem, cookie if name in LOGGED_IN else None, args.runs
            )
            final = results[name]["finalDisplayedUrl"]
            if not final.endswith(path):
                raise SystemExit(f"{name}: Lighthouse ended on {final}, not {path}")
            print(f"  {name}: performance {_score(results[name], 'performance')}")
        if results:
            first = next(iter(results.values()))
            _print_table(
                results,
                {
                    "lighthouseVersion": first["lighthouseVersion"],
                    "chromium": _chromium_version(),
                    "runs": args.runs,
                },
            )
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
