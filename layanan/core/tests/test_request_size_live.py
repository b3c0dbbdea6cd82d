"""Bounded requests with a real worker (issue 17, item 5): gunicorn with production settings
and one worker, a 300 MB anonymous POST to /verifikasi/ streamed from a generator, the
worker's VmRSS sampled before, during and after. Before, the worker grew from 115 to 805 MB
and was busy 17 s (Django drained the body, one line without line breaks, into memory).

It asserts a generous bound (growth under 100 MB; the target is under 30 MB) and prints the
figures (`pytest -s`; also `bench/bench_request_size.py`).
"""

import pytest

from layanan.core.tests.live_site import live_site, streamed_post

pytestmark = pytest.mark.slow

MEGABYTE = 1024 * 1024
TOTAL = 300 * MEGABYTE
BOUND_MIB = 100


@pytest.fixture(scope="module")
def site():
    with live_site(workers=1) as running:
        yield running


def _report(what: str, post) -> None:
    print(
        f"\n{what:<44} status {post.status}  sent {post.sent / MEGABYTE:6.1f} MB  "
        f"{post.seconds:5.2f} s  RSS {post.rss_before / 1024:6.1f} -> peak "
        f"{post.rss_peak / 1024:6.1f} -> after {post.rss_after / 1024:6.1f} MiB "
        f"(+{post.growth_mib:.1f})"
    )


def test_a_300_mb_post_is_refused_from_its_content_length(site):
    site_page = streamed_post(site, "/verifikasi/", 0, declared=0, settle=0.2)  # warm up
    assert site_page.status == 403  # no CSRF token: refused, and read

    post = streamed_post(site, "/verifikasi/", TOTAL, declared=TOTAL)

    _report("300 MB, Content-Length 300 MB", post)
    assert post.status in (413, None)  # the 413, or a reset before it could be read
    assert post.sent < TOTAL
    assert post.growth_mib < BOUND_MIB


def test_a_300_mb_chunked_post_is_cut_off_unread(site):
    post = streamed_post(site, "/verifikasi/", TOTAL, declared=None)

    _report("300 MB, chunked (no Content-Length)", post)
    assert post.status in (411, None)
    assert post.sent < TOTAL
    assert post.growth_mib < BOUND_MIB


def test_a_300_mb_post_that_understates_its_length_is_read_no_further(site):
    post = streamed_post(site, "/verifikasi/", TOTAL, declared=MEGABYTE)

    _report("300 MB, Content-Length 1 MB", post)
    assert post.sent < TOTAL
    assert post.growth_mib < BOUND_MIB
