"""Not a test: the memory of a gunicorn worker (production settings, one worker) while a
300 MB anonymous POST to /verifikasi/ is streamed at it, declared, chunked and understated.

    .venv/bin/python bench/bench_request_size.py [--megabytes 300]

Prints VmRSS before, at the peak during, and after each POST (target: under +30 MB; before
issue 17 a worker grew from 115 to 805 MB and was busy 17 s).
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from layanan.core.tests.live_site import live_site, streamed_post

MEGABYTE = 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=300)
    total = parser.parse_args().megabytes * MEGABYTE
    cases = {
        "Content-Length true": total,
        "chunked, no Content-Length": None,
        "Content-Length 1 MB (understated)": MEGABYTE,
    }
    with live_site(workers=1) as site:
        streamed_post(site, "/verifikasi/", 0, declared=0, settle=0.2)  # warm up
        print(
            f"{'POST /verifikasi/':<36} {'status':>6} {'sent MB':>8} {'s':>6} "
            f"{'RSS before':>11} {'peak':>8} {'after':>8} {'growth':>8}  (MiB)"
        )
        for name, declared in cases.items():
            post = streamed_post(site, "/verifikasi/", total, declared=declared)
            print(
                f"{name:<36} {post.status!s:>6} {post.sent / MEGABYTE:8.1f} {post.seconds:6.2f} "
                f"{post.rss_before / 1024:11.1f} {post.rss_peak / 1024:8.1f} "
                f"{post.rss_after / 1024:8.1f} {post.growth_mib:+8.1f}"
            )


if __name__ == "__main__":
    main()
