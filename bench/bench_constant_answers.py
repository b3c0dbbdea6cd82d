"""Not a test: how long /lupa-password/ and /registrasi/kirim-ulang/ take to answer for an
email that has an account and for one that has none (issue 17, item 7: the answers must not
tell them apart; target within 2 ms).

    .venv/bin/python bench/bench_constant_answers.py [--samples 30] [--in-process]

gunicorn with production settings and two workers, as `make serve` runs it (SQLite, the
embedded default: tasks run in the web process). Each sample is a new visitor from its own
address (X-Forwarded-For behind one trusted proxy, so that the per-address limits do not
start refusing): it opens the form, solves its Kode Keamanan and sends it; only the POST is
timed, from sending it to the last byte of the answer. Known and unknown alternate (which
goes first alternates too).
Before issue 17: 18.9 ms against 7.0 ms (medians of 30) on /lupa-password/.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from layanan.core.tests.live_site import Browser, live_site

PAGES = {
    "/lupa-password/": ("warga@example.com", "tidak-ada@example.com"),
    "/registrasi/kirim-ulang/": ("belum@example.com", "tidak-ada-juga@example.com"),
}
CREATE_ACCOUNTS = """
from django.utils import timezone
from layanan.accounts.models import Role, User
User.objects.create_user(
    "3325114506950003", "Rahasia-Uji-123", full_name="WARGA UJI", email="warga@example.com",
    role=Role.RESIDENT, email_confirmed_at=timezone.now(),
)
User.objects.create_user(
    "3325110101000017", "Rahasia-Uji-123", full_name="WARGA BARU", email="belum@example.com",
    role=Role.RESIDENT,
)
"""
# Between samples: the work a page left for after its answer is done by then.
PAUSE = 0.3


def _no_start_response(status, headers, exc_info=None):
    """The WSGI handler is timed until it returns: nothing is sent anywhere."""
    return lambda _data: None


def _sample(site, path: str, email: str, serial: int) -> float:
    browser = Browser(site, address=f"10.{serial // 250}.{serial % 250}.7")
    answer = browser.submit(path, {"email": email})
    assert answer.status == 302, (path, answer.status, answer.text[:300])
    return answer.elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument(
        "--in-process", action="store_true", help="time the WSGI handler in this process"
    )
    arguments = parser.parse_args()
    samples = arguments.samples
    if arguments.in_process:
        in_process(samples)
        return
    with live_site(workers=2, extra_env={"LDM_TRUSTED_PROXY_COUNT": "1"}) as site:
        site.python(CREATE_ACCOUNTS)
        serial = 0
        for path, (known, unknown) in PAGES.items():
            for warm in range(4):  # both workers load templates and connections first
                _sample(site, path, unknown if warm % 2 else known, serial := serial + 1)
                time.sleep(PAUSE)
            times: dict[str, list[float]] = {"known": [], "unknown": []}
            for round_ in range(samples):
                pair = [("known", known), ("unknown", unknown)]
                for kind, email in pair if round_ % 2 else pair[::-1]:
                    times[kind].append(_sample(site, path, email, serial := serial + 1))
                    time.sleep(PAUSE)
            known_ms, unknown_ms = (statistics.median(times[k]) for k in ("known", "unknown"))
            print(
                f"{path:<26} median of {samples}: known {known_ms:6.2f} ms, unknown "
                f"{unknown_ms:6.2f} ms, difference {known_ms - unknown_ms:+6.2f} ms "
                f"(quartiles known {_quartiles(times['known'])}, unknown "
                f"{_quartiles(times['unknown'])})"
            )
        sent = site.python(
            "from layanan.notifications.models import OutgoingEmail\n"
            "print(OutgoingEmail.objects.count())"
        )
        print(f"emails in the outbox: {sent.strip()} (one per known sample and warm-up)")


def in_process(samples: int) -> None:
    """The same pages through Django's WSGI handler in this process (a test database), timed
    until the handler returns the answer, before a server would send and close it: what the
    page itself costs, without the noise of processes and sockets."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import Client, RequestFactory
    from django.test.utils import setup_databases, setup_test_environment

    setup_test_environment()
    setup_databases(verbosity=0, interactive=False)
    from django.conf import settings

    settings.LDM_TRUSTED_PROXY_COUNT = 1
    globals_: dict[str, object] = {}
    exec(CREATE_ACCOUNTS, globals_)  # noqa: S102 - the script's own account setup
    handler = WSGIHandler()
    serial = 0
    for path, (known, unknown) in PAGES.items():
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        for round_ in range(samples + 4):
            pair = [("known", known), ("unknown", unknown)]
            for kind, email in pair if round_ % 2 else pair[::-1]:
                serial += 1
                address = f"10.{serial // 250}.{serial % 250}.8"
                browser = Client()
                browser.get(path, HTTP_X_FORWARDED_FOR=address)  # the Kode Keamanan, CSRF
                token = browser.cookies["csrftoken"].value
                fields = {"email": email, "captcha": settings.LDM_CAPTCHA_FIXED_CODE}
                request = RequestFactory().post(
                    path, {**fields, "csrfmiddlewaretoken": token}, HTTP_X_FORWARDED_FOR=address
                )
                cookies = "; ".join(f"{k}={v.value}" for k, v in browser.cookies.items())
                request.environ["HTTP_COOKIE"] = cookies
                start = time.perf_counter()
                response = handler(request.environ, _no_start_response)
                elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 302, (path, response.status_code)
                response.close()  # the work left for after the answer runs here
                if round_ >= 4:  # the first rounds warm up
                    times[kind].append(elapsed)
        known_ms, unknown_ms = (statistics.median(times[k]) for k in ("known", "unknown"))
        print(
            f"{path:<26} in process, median of {samples}: known {known_ms:6.2f} ms, unknown "
            f"{unknown_ms:6.2f} ms, difference {known_ms - unknown_ms:+6.2f} ms"
        )


def _quartiles(values: list[float]) -> str:
    q1, _q2, q3 = statistics.quantiles(values, n=4)
    return f"{q1:.1f}-{q3:.1f}"


if __name__ == "__main__":
    main()
