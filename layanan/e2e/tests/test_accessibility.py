"""axe-core (served from node_modules, never from the internet) on every page of every role
(the tour of pages.py): no serious or critical violations. And a form that works with the
keyboard alone."""

import json

import pytest

from layanan.accounts.tests.factories import PASSWORD
from layanan.e2e.tests.conftest import ARTIFACTS, DESKTOP

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _violations(page, axe_script: str) -> list[dict]:
    page.add_script_tag(content=axe_script)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _audit(context, who, paths, axe_script, report):
    page = context.new_page()
    for path in paths:
        response = page.goto(path)
        assert response.status < 400, (who, path, response.status)
        found = _violations(page, axe_script)
        report[f"{who} {path}"] = [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
            for v in found
        ]
    return report


def test_no_serious_or_critical_violations_on_any_page(open_context, axe_script, tour):
    report: dict[str, list] = {}
    options = {"viewport": DESKTOP, "bypass_csp": True}  # axe is injected as a script
    for visit in tour:
        _audit(open_context(visit.user, **options), visit.who, visit.paths, axe_script, report)

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    failing = {path: found for path, found in report.items() if found}
    assert failing == {}, json.dumps(failing, indent=1)


def test_login_works_with_the_keyboard_alone(open_context, resident):
    page = open_context().new_page()
    page.goto("/masuk/")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Langsung ke konten"
    for _ in range(40):  # through the menu to the form
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_identifier":
            break
    page.keyboard.type(resident.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    while page.evaluate("document.activeElement.id") != "id_captcha":
        page.keyboard.press("Tab")
    page.keyboard.type("4531")
    page.keyboard.press("Enter")

    page.wait_for_url("**/beranda/")
