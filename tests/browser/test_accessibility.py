"""Accessibility of every page of the nightly run's site, checked by axe-core (the npm package, pinned in the
Makefile and fetched by `make browser-deps` into .cache/axe-core) injected into Chromium by Playwright: no serious
or critical violation, at desktop and phone width. Beside axe: status is never told by colour alone (a symbol goes
with it), pills and text are at least 4.5:1 against their background, and every chart has a text alternative.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.browser import END_PERIOD, ROOT, Tab

pytestmark = pytest.mark.browser

AXE = ROOT / ".cache" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
REVIEW = f"review-{END_PERIOD}.html"

RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + ": " + (n.failureSummary || "").slice(0, 160)) }));
}"""

# WCAG relative luminance and contrast of an element's text colour against its own (or nearest) background
CONTRAST = """(selector) => Array.from(document.querySelectorAll(selector)).map((el) => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  const lum = ([r, g, b]) => [r, g, b]
    .map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); })
    .reduce((a, c, i) => a + c * [0.2126, 0.7152, 0.0722][i], 0);
  let node = el, bg = null;
  while (node && node.nodeType === 1) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0)) { bg = c; break; }
    node = node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const fg = rgb(getComputedStyle(el).color), a = lum(fg), b = lum(bg);
  return { text: el.textContent.trim(), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
})"""

SYMBOLS = """() => {
  const after = (el, pseudo) => getComputedStyle(el, pseudo).content;
  return {
    cells: Array.from(document.querySelectorAll("td.st-g, td.st-a, td.st-r")).map((td) => after(td, "::after")),
    pills: Array.from(document.querySelectorAll(
      ".pill.g, .pill.a, .pill.r, .status-g .pill, .status-a .pill, .status-r .pill")).map((p) => after(p, "::before")),
  };
}"""


def _pages(site) -> list[str]:
    return sorted(p.name for p in site["reports"].glob("*.html"))


@pytest.fixture(scope="module")
def axe_path():
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `make browser-deps`")
    return str(AXE)


@pytest.fixture(scope="module")
def axe_context(browser_context, axe_path):
    """A context of the session's browser that lets Playwright add axe as a script tag past the pages' CSP."""
    context = browser_context.browser.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)
    yield context
    context.close()


def _violations(page, axe_path: str) -> list[dict]:
    page.add_script_tag(path=axe_path)
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]


def test_axe_finds_no_serious_or_critical_violation_on_any_page(site, browser_context, axe_path):
    found = {}
    for width, height in ((1440, 900), (390, 844)):
        context = browser_context.browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        tab = Tab(context, site["base"])
        try:
            for name in _pages(site):
                page = tab.open(name)
                page.wait_for_selector("body[data-charts='1']", state="attached", timeout=10_000)
                violations = _violations(page, axe_path)
                if violations:
                    found[f"{name} at {width}px"] = violations
            assert tab.errors == [], tab.errors
        finally:
            context.close()
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_axe_catches_what_it_is_here_to_catch(site, axe_context, axe_path):
    """The check can fail: a page with the old amber pill (3.6:1) and an unlabelled scrolling table fails it."""
    tab = Tab(axe_context, site["base"])
    page = tab.open(REVIEW)
    page.evaluate(
        """() => {
          const pill = document.querySelector('.pill'); pill.style.background = '#e8590c';
          const box = document.querySelector('.table-scroll'); box.removeAttribute('tabindex');
          box.style.overflowX = 'scroll'; box.style.maxWidth = '200px';
        }"""
    )
    ids = {v["id"] for v in _violations(page, axe_path)}
    tab.page.close()
    assert "color-contrast" in ids, ids


def test_status_is_never_told_by_colour_alone(site, tab):
    seen_cells = seen_pills = 0
    for name in ("hr.html", "overview.html", REVIEW, "review.html"):
        page = tab.open(name)
        symbols = page.evaluate(SYMBOLS)
        assert all(c not in ("none", "normal", '""') for c in symbols["cells"]), (name, symbols["cells"])
        assert all(p not in ("none", "normal", '""') for p in symbols["pills"]), (name, symbols["pills"])
        seen_cells += len(symbols["cells"])
        seen_pills += len(symbols["pills"])
    assert seen_cells > 10 and seen_pills > 10


def test_pills_and_text_are_at_least_4_5_to_1(site, tab):
    low = []
    for name in ("overview.html", REVIEW, "review.html", "quality.html"):
        page = tab.open(name)
        for selector in (".pill", ".badge", "footer p", ".hint", ".note", "td.suppressed", "nav.pages a"):
            low += [(name, selector, c) for c in page.evaluate(CONTRAST, selector) if c["ratio"] < 4.5]
    assert low == [], low[:10]


def test_every_chart_has_a_text_alternative(site, tab):
    described = 0
    for name in ("overview.html", "hr.html", "payroll.html", "controls.html", "quality.html"):
        page = tab.open(name)
        page.wait_for_selector("body[data-charts='1']", state="attached", timeout=10_000)
        for chart in page.locator(".chart:not([hidden])").all():
            if not chart.locator(".main-svg").count():
                continue
            label = chart.get_attribute("aria-label") or ""
            assert chart.get_attribute("role") == "figure", name
            title = " ".join(chart.locator(".gtitle").all_text_contents())
            assert label.startswith("Chart: ") and title.split()[0] in label, (name, label)
            assert any(ch.isdigit() for ch in label), (name, label)  # the figures, not just the title
            described += 1
    assert described >= 6


def test_axe_is_the_pinned_version():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `make browser-deps`")
    version = json.loads(Path(AXE.parent / "package.json").read_text(encoding="utf-8"))["version"]
    assert f"AXE_VERSION := {version}" in makefile
