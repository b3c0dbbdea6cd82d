"""The Indonesian catalogues are complete, compiled and in step with the code."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE_FILES = sorted((settings.BASE_DIR / "layanan").glob("*/locale/id/LC_MESSAGES/django.po"))


def _msgids(po: polib.POFile) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in po if not entry.obsolete}


@pytest.mark.parametrize("path", LOCALE_FILES, ids=lambda p: p.parts[-5])
def test_every_string_is_translated(path):
    po = polib.pofile(str(path))

    assert not po.metadata_is_fuzzy
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


@pytest.mark.parametrize("path", LOCALE_FILES, ids=lambda p: p.parts[-5])
def test_compiled_catalogue_matches_its_source(path):
    mo_path = path.with_suffix(".mo")
    assert mo_path.exists(), "run `make messages`"

    po_entries = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.pofile(path)}
    mo_entries = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(mo_path)}
    assert mo_entries == po_entries, "stale .mo file: run `make messages`"


def test_catalogues_contain_every_string_of_the_code(tmp_path):
    """Run makemessages on a copy of the sources and compare: nothing new, nothing left over."""
    if shutil.which("xgettext") is None:
        if os.environ.get("LDM_REQUIRE_ALL_TOOLS"):
            pytest.fail("xgettext (package gettext) is required")
        pytest.skip("xgettext is not installed (apt-get install gettext)")
    copy = tmp_path / "src"
    shutil.copytree(settings.BASE_DIR / "layanan", copy / "layanan")
    shutil.copytree(settings.BASE_DIR / "config", copy / "config")
    shutil.copy(settings.BASE_DIR / "manage.py", copy)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "LDM_VAR_DIR": str(tmp_path),
    }

    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "id", "--no-location", "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )

    assert LOCALE_FILES  # a glob gone wrong finds none, and this loop would check nothing
    for path in LOCALE_FILES:
        fresh = copy / Path(path).relative_to(settings.BASE_DIR)
        code_ids = _msgids(polib.pofile(str(fresh)))
        catalogue_ids = _msgids(polib.pofile(str(path)))
        assert code_ids - catalogue_ids == set(), f"new strings: run `make messages` ({path})"
        assert catalogue_ids - code_ids == set(), f"unused strings: run `make messages` ({path})"
