"""`make run PORT=...`: the server, the demo's setup and the site's own address all follow the
port, unless the address is given."""

import os
import subprocess
import sys

from django.conf import settings

from conftest import require_tool

SHOW_ADDRESSES = (
    "from django.conf import settings; "
    "print(settings.LDM_PUBLIC_URL); print(settings.LDM_NEWS_FEED_URL)"
)


def _make_n(*arguments: str) -> list[str]:
    make = require_tool("make")
    shown = subprocess.run(  # noqa: S603 - make, printing (-n) the project's own targets
        [make, "-n", *arguments],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return shown.stdout.splitlines()


def _addresses(tmp_path, **environment: str) -> list[str]:
    """LDM_PUBLIC_URL and LDM_NEWS_FEED_URL of the settings `make run` starts with."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("LDM_", "DJANGO_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_DEBUG": "1",
            "LDM_VAR_DIR": str(tmp_path),
            **environment,
        }
    )
    shown = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", f"import django; django.setup(); {SHOW_ADDRESSES}"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return shown.stdout.split()


def test_make_run_serves_on_the_port_given_and_sets_it_up_for_that_port():
    lines = _make_n("run", "PORT=8123")

    server = next(line for line in lines if "manage.py runserver" in line)
    assert server.strip().endswith("runserver 127.0.0.1:8123")
    assert "LDM_RUN_PORT=8123" in server
    # The demo letter made by setup carries the address of the same port in its QR code.
    setup = next(line for line in lines if "manage.py setup_demo" in line)
    assert "LDM_RUN_PORT=8123" in setup
    # The news is fetched beside the server, never before it: the server does not wait.
    fetch = next(line for line in lines if "manage.py fetch_demo_news" in line)
    assert fetch.rstrip(" \\").endswith("&")
    assert "LDM_RUN_PORT=8123" in fetch


def test_make_run_without_a_port_serves_on_8000():
    server = next(line for line in _make_n("run") if "manage.py runserver" in line)

    assert server.strip().endswith("runserver 127.0.0.1:8000")


def test_the_sites_own_addresses_follow_the_port(tmp_path):
    assert _addresses(tmp_path, LDM_RUN_PORT="8123") == [
        "http://127.0.0.1:8123",
        "http://127.0.0.1:8123/demo/berita.xml",
    ]


def test_addresses_that_are_given_win(tmp_path):
    given = _addresses(
        tmp_path,
        LDM_RUN_PORT="8123",
        LDM_PUBLIC_URL="https://layanan.desa.example/",
        LDM_NEWS_FEED_URL="https://berita.kabupaten.example/feed/",
    )

    assert given == ["https://layanan.desa.example", "https://berita.kabupaten.example/feed/"]


def test_outside_debug_mode_no_demo_feed_is_read(tmp_path):
    assert _addresses(tmp_path, DJANGO_DEBUG="0")[1:] == []
