"""The Typst sandbox opens no network connection: an edited template that imports a package
(``#import "@preview/..."``, or a path computed at run time) is refused with "paket Typst
dari luar tidak diizinkan" before Typst sees it, in the type editor and wherever a letter is
rendered; Typst's package folders are an empty folder of the installation's own.

The network side is watched from outside the process: the compile runs in a child process
whose proxy variables (which Typst's downloader obeys) name a socket of this test, so any
attempt to reach Typst Universe arrives there. A control compile straight through typst-py
shows that the probe does see an attempt when one is made.
"""

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext

from layanan.backoffice.tests.test_letter_type_editor import _form_data
from layanan.documents import rendering
from layanan.letters.models import LetterType

PACKAGE_IMPORTS = [
    '#import "@preview/cetz:0.2.2": canvas\n#let body(data) = [x]',
    '#let p = "@pre" + "view/cetz:0.2.2"\n#import p: *\n#let body(data) = [x]',
    '#let body(data) = { import "@preview/tablex:0.0.8": tablex; [x] }',
    '#include "x".replace("x", "@preview/cetz:0.2.2/lib.typ")\n#let body(data) = [x]',
]
REFUSED = "packages from outside are not allowed"

CHILD = """
import json, sys
import django
django.setup()
import typst
from layanan.documents import rendering
results = []
for template in json.loads(sys.argv[1]):
    try:
        rendering.body_module("SK-UJI", template)
        results.append("rendered")
    except rendering.RenderError as error:
        results.append(str(error))
control = ""
if sys.argv[2] == "control":
    compiler = typst.Compiler(
        json.loads(sys.argv[1])[0].encode(),
        package_path=rendering.package_dir(),
        package_cache_path=rendering.package_dir(),
    )
    try:
        compiler.compile(format="pdf")
    except typst.TypstError as error:
        control = error.message
print(json.dumps({"results": results, "control": control}))
"""


class ConnectionProbe:
    """A listening socket that notes every connection made to it (the child's 'proxy')."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.port = self.server.getsockname()[1]
        self.requests: list[bytes] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _address = self.server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.requests.append(conn.recv(200))
                except OSError:
                    self.requests.append(b"")

    def close(self) -> None:
        self.server.close()


def _child(probe: ConnectionProbe, mode: str) -> dict:
    proxy = f"http://127.0.0.1:{probe.port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        **dict.fromkeys(("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"), proxy),
    }
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    result = subprocess.run(  # noqa: S603 - the project's own interpreter
        [sys.executable, "-c", CHILD, json.dumps(PACKAGE_IMPORTS), mode],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_package_import_is_refused_and_nothing_connects():
    probe = ConnectionProbe()
    try:
        outcome = _child(probe, "refused")
    finally:
        probe.close()

    assert outcome["results"] == [gettext(REFUSED)] * len(PACKAGE_IMPORTS)
    assert probe.requests == []


def test_the_probe_sees_a_download_when_typst_tries_one():
    """The control: typst-py's own compiler, with only its package folders set, does go out
    for an `@preview` import (typst-py 0.15 always gives it Universe's downloader): which is
    why the edited template is checked before it reaches the compiler."""
    probe = ConnectionProbe()
    try:
        outcome = _child(probe, "control")
    finally:
        probe.close()

    assert "download" in outcome["control"]
    assert any(b"packages.typst.org" in request for request in probe.requests)


def test_the_package_folders_are_an_empty_folder_of_the_installation():
    folder = rendering.package_dir()

    assert folder.is_relative_to(Path(settings.VAR_DIR))
    assert list(folder.iterdir()) == []


def test_shipped_and_ordinary_templates_are_not_refused():
    for path in sorted((rendering.TYPST_DIR / "types").glob("*.typ")):
        assert rendering.package_import_refused(path.read_text(encoding="utf-8")) == "", path
    assert (
        rendering.package_import_refused('#import "../layout.typ": *\n#let body(data) = []') == ""
    )


@pytest.mark.django_db
@pytest.mark.parametrize("template", PACKAGE_IMPORTS[:2])
def test_the_type_editor_says_why_and_saves_nothing(
    client, district_admin, kauman, catalogue, template
):
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    client.force_login(district_admin)
    data = _form_data(domisili, body_template=template)

    preview = client.post(
        reverse("backoffice:letter-type-preview", kwargs={"code": "sk-domisili"}), data
    )
    saved = client.post(
        reverse("backoffice:letter-type-edit", kwargs={"code": "sk-domisili"}), data
    )

    assert gettext(REFUSED) in preview.content.decode()
    assert saved.status_code == 200
    assert gettext(REFUSED) in saved.content.decode()
    domisili.refresh_from_db()
    assert domisili.body_template == ""
