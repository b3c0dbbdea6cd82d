"""The proxy's word on HTTPS is believed only from the proxy: real gunicorn processes with
production settings (``config/gunicorn.conf.py``, as ``make serve``), asked from 127.0.0.1
with ``X-Forwarded-Proto: https``, once with 127.0.0.1 outside FORWARDED_ALLOW_IPS and once
inside. Django goes by gunicorn's ``wsgi.url_scheme`` alone (production.py sets no
SECURE_PROXY_SSL_HEADER), so the header of a stranger changes nothing.

What tells that Django took a request for HTTPS: the HSTS header, which Django's
SecurityMiddleware sends on secure requests only.
"""

import http.client

import pytest

from layanan.core.tests.live_site import live_site

pytestmark = pytest.mark.django_db(transaction=True)


def _get(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Host": "127.0.0.1", **headers})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


@pytest.mark.parametrize(("allowed", "believed"), [("10.0.0.1", False), ("127.0.0.1", True)])
def test_x_forwarded_proto_counts_only_from_an_allowed_proxy(allowed, believed):
    with live_site(workers=1, extra_env={"FORWARDED_ALLOW_IPS": allowed}) as site:
        https = {"X-Forwarded-Proto": "https"}
        answers = [_get(site.port, path, https) for path in ("/sehat/", "/syarat-dan-privasi/")]
        plain = _get(site.port, "/sehat/", {})

    for answer in answers:
        assert answer.status == 200
        assert (answer.getheader("Strict-Transport-Security") is not None) is believed
    # Without the header nobody is on HTTPS, whoever the proxy is.
    assert plain.getheader("Strict-Transport-Security") is None
