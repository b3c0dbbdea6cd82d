"""Page weight on a first visit: the home page, the catalogue and the Beranda, with every
asset, must transfer under 150 KB compressed (a cheap phone on a village connection)."""

import gzip
import json

import pytest

from layanan.e2e.tests.conftest import ARTIFACTS, PHONE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

BUDGET = 150 * 1024


def _first_load(context, path: str) -> dict:
    """Every response of a first visit, with its compressed size: what a gzip-compressing
    server (whitenoise's precompressed files, the proxy for HTML) sends."""
    page = context.new_page()
    responses = []

    def record(response):
        responses.append(response)

    page.on("response", record)
    page.goto(path, wait_until="networkidle")
    files = []
    for response in responses:
        body = response.body()
        files.append(
            {
                "url": response.url.split("://", 1)[1].split("/", 1)[1],
                "bytes": len(body),
                "gzip": len(gzip.compress(body, compresslevel=6)),
            }
        )
    page.close()
    return {
        "path": path,
        "requests": len(files),
        "bytes": sum(f["bytes"] for f in files),
        "compressed": sum(min(f["gzip"], f["bytes"]) for f in files),
        "files": files,
    }


def test_first_visits_stay_under_150_kb(open_context, batang, catalogue, resident):
    anonymous = open_context(viewport=PHONE)
    weights = [_first_load(anonymous, "/"), _first_load(anonymous, "/layanan/")]
    weights.append(_first_load(open_context(resident, viewport=PHONE), "/beranda/"))

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "page-weight.json").write_text(json.dumps(weights, indent=1), encoding="utf-8")
    for weight in weights:
        print(
            f"{weight['path']:<12} {weight['requests']:>2} requests, "
            f"{weight['bytes'] / 1024:6.1f} KB raw, "
            f"{weight['compressed'] / 1024:5.1f} KB compressed"
        )
        assert weight["compressed"] < BUDGET, weight
