"""Every page of every role on a small phone (360 x 740 px): nothing makes the page scroll
sideways, and no box inside it hides content sideways (a table in a scrolling wrapper, whose
status and action would be off-screen). A failure names the page and the element reaching
furthest to the right; test-artifacts/phone-width/ keeps a screenshot of each such page."""

import json

import pytest

from layanan.e2e.tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

SMALL_PHONE = {"width": 360, "height": 740}

# The page's width against the viewport's and, when wider, the element reaching furthest
# right (the deepest one of those that do: it is what pushes its ancestors out). Elements
# inside a container that scrolls or clips on its own do not widen the page.
MEASURE = """(viewport) => {
  // Does a scrolling or clipping box hold the element in? Only one on its way up to its
  // containing block: an absolutely positioned element escapes a scroller that is not
  // positioned (a visually hidden table header widens the page that way).
  const clippedByAncestor = (element) => {
    for (let node = element; node && node !== document.body; ) {
      const position = getComputedStyle(node).position;
      if (position === "fixed") return false;
      let up = node.parentElement;
      if (position === "absolute") {
        while (up && up !== document.body && getComputedStyle(up).position === "static") {
          up = up.parentElement;
        }
      }
      if (!up || up === document.body) return false;
      if (getComputedStyle(up).overflowX !== "visible") return true;
      node = up;
    }
    return false;
  };
  const describe = (element) => {
    const parts = [];
    for (let at = element; at && at !== document.body && parts.length < 6; at = at.parentElement) {
      let part = at.tagName.toLowerCase();
      if (at.id) part += "#" + at.id;
      const classes = [...at.classList].slice(0, 3);
      if (classes.length) part += "." + classes.join(".");
      parts.unshift(part);
    }
    return parts.join(" > ");
  };
  const width = document.documentElement.scrollWidth;
  // Boxes that scroll sideways inside the page (a table too wide for its wrapper): what they
  // hide is off-screen just the same. Form fields scroll their own text; that is theirs.
  const hiding = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (["TEXTAREA", "INPUT", "SELECT"].includes(element.tagName)) continue;
    const overflow = getComputedStyle(element).overflowX;
    if (overflow !== "auto" && overflow !== "scroll") continue;
    if (element.scrollWidth > element.clientWidth + 1) {
      hiding.push(
        {element: describe(element), shows: element.clientWidth, holds: element.scrollWidth}
      );
    }
  }
  const result = {width, offender: null, hiding};
  if (width <= viewport) return result;
  let furthest = null;
  let furthestRight = viewport + 0.5;
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right < furthestRight) continue;
    if (clippedByAncestor(element)) continue;
    // Ties go to the later element in document order: a descendant of the one before.
    furthest = element;
    furthestRight = box.right;
  }
  if (furthest) {
    const box = furthest.getBoundingClientRect();
    result.offender = {
      element: describe(furthest),
      right: Math.round(box.right + window.scrollX),
      width: Math.round(box.width),
      text: (furthest.innerText || "").trim().slice(0, 60),
    };
  }
  return result;
}"""


def _check(page, label: str, too_wide: dict) -> None:
    found = page.evaluate(MEASURE, SMALL_PHONE["width"])
    if found["width"] > SMALL_PHONE["width"] or found["hiding"]:
        too_wide[label] = found
        folder = ARTIFACTS / "phone-width"
        folder.mkdir(parents=True, exist_ok=True)
        name = label.strip("/").replace("/", "_") or "home"
        page.screenshot(path=folder / f"{name}.png", full_page=True)


def test_no_page_scrolls_sideways_at_360_px(open_context, tour, operator):
    too_wide: dict[str, dict] = {}
    checked = 0
    for visit in tour:
        context = open_context(visit.user, viewport=SMALL_PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        for path in visit.paths:
            response = page.goto(path)
            assert response.status < 400, (visit.who, path, response.status)
            _check(page, f"{visit.who} {path}", too_wide)
            checked += 1
        if visit.user is operator:
            # The second step of registering at the counter, reached through the first.
            page.goto("/petugas/permohonan/baru/")
            page.select_option("#id_letter_type", label="Surat Keterangan Ahli Waris")
            page.fill("#id_nik", "3325115507850003")
            page.get_by_role("button", name="Lanjutkan").click()
            page.wait_for_url("**/petugas/permohonan/baru/isi/")
            _check(page, f"{visit.who} /petugas/permohonan/baru/isi/", too_wide)
            checked += 1
        if visit.user is None:
            # A form sent back with its errors (the summary at the top, each field's own).
            page.goto("/registrasi/")
            with page.expect_navigation():
                page.get_by_role("button", name="Registrasi").click()
            _check(page, f"{visit.who} /registrasi/ (with errors)", too_wide)
            checked += 1

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "phone-width.json").write_text(json.dumps(too_wide, indent=1), encoding="utf-8")
    print(f"{checked} pages checked at {SMALL_PHONE['width']} px")
    assert too_wide == {}, (
        "pages that scroll sideways (width: the page's; offender: the element reaching furthest"
        " right; hiding: boxes that scroll sideways inside the page):\n"
        + json.dumps(too_wide, indent=1)
    )


@pytest.mark.parametrize("who", ["resident", "operator"])
def test_the_side_menu_opens_on_a_phone_without_javascript(open_context, request, who):
    user = request.getfixturevalue(who)
    page = open_context(user, viewport=SMALL_PHONE, java_script_enabled=False).new_page()
    page.goto("/profil/" if who == "resident" else "/petugas/")
    menu = page.locator("#side-menu")
    assert not menu.is_visible()

    page.locator("label[for=side-menu-toggle]").click()

    assert menu.is_visible()
    last = menu.locator("li").last
    assert last.is_visible()
    box = last.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= SMALL_PHONE["width"], box
