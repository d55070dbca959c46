"""Every page in Indonesian (settings ``language: id``): the shared site's warehouse rendered again with the language
set, opened in Chromium, and every visible text node (and every chart's text alternative) read. A word that is an
English label of the dashboards (dashboards/i18n.py, the templates, the registries' English names) and no
Indonesian one fails the test: each label has its translation. Numbers, codes (snake_case, table names, acronyms),
department names and the company's name are data and pass, and so does free text from the warehouse that the page
marks as English (an element with lang="en"), as screen readers need it marked.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fixtures.browser import CHROMIUM, WIDER_THAN, Tab

pytestmark = pytest.mark.browser

TEMPLATES = Path(__file__).resolve().parents[2] / "dashboards" / "templates"
WORD = re.compile(r"[A-Za-z]+")
CODE = re.compile(r"[_\d@<>=\[\]]|\w\.\w|^[A-Z][A-Z-]+s?$")  # snake_case, schema.table, numbers, acronyms, codes
PUNCTUATION = ".,;:()·!?\"'“”‘’→–-"

VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, text = node.nodeValue.trim(), el = node.parentElement;
    if (!text || !el || el.closest("script, style, noscript, #js-plotly-tester")) continue;
    const marked = el.closest("[lang]");  // text marked as another language (lang="en") says so to readers
    if (marked && marked.getAttribute("lang") !== document.documentElement.lang) continue;
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === "hidden" || style.display === "none") continue;
    out.push(text);
  }
  document.querySelectorAll("[aria-label]").forEach((e) => out.push(e.getAttribute("aria-label")));
  return out;
}"""


def words(text: str) -> set[str]:
    return {w.casefold() for w in WORD.findall(re.sub(r"\{[a-z_]+\}", " ", text))}


def english_only_words(con) -> set[str]:
    """Words of the English labels that no Indonesian label uses (Status, Target, KPI, April are both)."""
    from assets.controls.registry import load_registry as control_rules
    from dashboards import i18n

    english: set[str] = set()
    indonesian: set[str] = set()
    for language, bag in (("en", english), ("id", indonesian)):
        tables = [i18n.LABELS, i18n.FAMILY_NAMES, i18n.DOMAIN_NAMES, i18n.SEVERITY_NAMES, i18n.UNIT_SUFFIXES]
        for table in tables:
            for text in table[language].values():
                bag |= words(text)
        bag |= words(" ".join(i18n.MONTHS[language]))
    for template in TEMPLATES.glob("*.html"):  # the templates' own words, outside tags and expressions
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|<[^>]*>", " ", template.read_text(encoding="utf-8"))
        english |= words(text)
    for code, name, name_id in con.execute("select code, name, name_id from marts.kpi_registry").fetchall():
        english |= words(name or "")
        indonesian |= words(name_id or "") | words(code)
    for rule in control_rules():
        english |= words(rule.name)
        indonesian |= words(getattr(rule, "name_id", "") or "")
    return {w for w in english - indonesian if len(w) > 1}


def allowed_names(con, settings) -> list[str]:
    """Data shown as it is: department names, the company's name, what reviewers wrote about findings (their
    owner and note) and who answers for a target and why (in whatever language they work in), longest first."""
    names = [settings.company_name]
    for table, column in (("canonical.departments", "department_name"), ("core.dim_department", "department_name"),
                          ("canonical.finding_reviews", "owner"), ("canonical.finding_reviews", "note"),
                          ("canonical.kpi_targets", "owner"), ("canonical.kpi_targets", "comment")):  # fmt: skip
        try:
            names += [r[0] for r in con.execute(f"select distinct {column}::varchar from {table}").fetchall() if r[0]]
        except Exception:  # noqa: BLE001 - a warehouse without this table
            continue
    return sorted(set(names), key=len, reverse=True)


def untranslated(texts: list[str], english: set[str], names: list[str]) -> list[str]:
    found = []
    for text in texts:
        for name in names:
            text = text.replace(name, " ")
        for token in text.split():
            token = token.strip(PUNCTUATION)
            if CODE.search(token):
                continue
            hits = [w for w in WORD.findall(token) if w.casefold() in english]
            if hits:
                found.append(f"{token!r} in {text[:80]!r}")
    return found


def render_site(con, settings, out: Path) -> list[str]:
    """Every page of the warehouse written into ``out`` with ``settings`` (here: in Indonesian)."""
    from assets.kpi.registry import load_registry
    from dashboards.findings import render_controls
    from dashboards.kpi_pages import render_domain, render_overview
    from dashboards.quality import render_quality
    from dashboards.render import load_site, page_domains
    from dashboards.review import render_reviews

    site = load_site(con, settings, page_domains([e.domain for e in load_registry()]), dt.datetime(2025, 7, 2, 9))
    pages = [render_overview(con, site), *(render_domain(con, site, d) for d in site.domains)]
    pages += [render_controls(con, site), render_quality(con, site), *render_reviews(con, site)]
    return sorted(p.name for p in pages)


@pytest.fixture(scope="module")
def indonesian(site, tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: run `make browser-deps`")
    from dashboards.serve import serve_in_thread

    out = tmp_path_factory.mktemp("indonesian")
    settings = site["settings"].model_copy(update={"language": "id", "reports_dir": out})
    pages = render_site(site["con"], settings, out)
    server, base = serve_in_thread(out)
    yield {"pages": pages, "base": base, "settings": settings}
    server.shutdown()


def test_the_word_lists_catch_an_english_label(site):
    """The check itself: English labels are caught, their Indonesian translations and data are not."""
    english = english_only_words(site["con"])
    assert {"department", "findings", "severity", "high", "january", "page"} <= english
    assert not {"status", "target", "kpi", "departemen", "tinggi"} & english
    names = ["Operations Surabaya"]
    caught = untranslated(["Findings by rule.", "Severity: high", "(Nothing to report)"], english, names)
    words = {c.split("'")[1] for c in caught}
    assert {"Findings", "by", "rule", "Severity", "high", "Nothing", "report"} <= words, words
    data = ["Temuan per aturan, Juni 2025", "Operations Surabaya", "paid_after_termination", "marts.control_findings",
            "BPJS", "Rp 1.250.000", "3,5 hari", "ID-JB-KOTA-BEKASI"]  # fmt: skip
    assert untranslated(data, english, names) == []


def test_every_page_in_indonesian_has_no_untranslated_label(indonesian, browser_context, site):
    english = english_only_words(site["con"])
    names = allowed_names(site["con"], indonesian["settings"])
    assert {"overview.html", "hr.html", "controls.html", "quality.html", "review.html"} <= set(indonesian["pages"])
    tab = Tab(browser_context, indonesian["base"])
    problems: dict[str, list[str]] = {}
    try:
        for name in indonesian["pages"]:
            page = tab.open(name)
            page.wait_for_selector("body[data-charts='1']", state="attached", timeout=10_000)
            assert page.locator("html").get_attribute("lang") == "id"
            found = untranslated(page.evaluate(VISIBLE_TEXT), english, names)
            if found:
                problems[name] = sorted(set(found))[:15]
        assert tab.errors == [], tab.errors
    finally:
        tab.page.close()
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_indonesian_numbers_units_months_and_axes(indonesian, browser_context):
    """Decimal comma, units in words (hari, jam), Indonesian months on date axes, and large numbers on axes with
    rb / jt / M (miliar) rather than k / M / B."""
    tab = Tab(browser_context, indonesian["base"])
    try:
        page = tab.open("payroll.html")
        page.wait_for_selector("body[data-charts='1']", state="attached", timeout=10_000)
        ticks = page.locator("#chart-main .ytick text").all_text_contents()
        assert ticks and all(re.fullmatch(r"Rp -?\d+(,\d+)?( rb| jt| M| T)?", t) for t in ticks), ticks
        assert any(t.endswith((" jt", " M")) for t in ticks), ticks
        pairs = [[1.5e9, 5e8], [2.5e7, 5e6], [15000, 5000], [2e12, 1e12]]
        short = page.evaluate("pairs => pairs.map(a => Kinerja.shortNumber(a[0], a[1]))", pairs)
        assert short == ["1,5 M", "25 jt", "15 rb", "2 T"]
        months = page.locator("#chart-main .xtick text").all_text_contents()
        assert any(m.split()[0] in {"Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu"} for m in months), months
        review = tab.open(sorted(n for n in indonesian["pages"] if n.startswith("review-"))[-1]).inner_text("body")
        assert "Juni 2025" in review and re.search(r"\d,\d hari|\d,\d jam", review)
        assert not re.search(r"\d d\b|\d h\b", review)
    finally:
        tab.page.close()


def test_indonesian_pages_fit_a_phone(indonesian, browser_context):
    """Indonesian labels are longer: still nothing wider than a 390 px screen."""
    context = browser_context.browser.new_context(viewport={"width": 390, "height": 844})
    tab = Tab(context, indonesian["base"])
    try:
        wide = {}
        for name in indonesian["pages"]:
            page = tab.open(name)
            page.wait_for_selector("body[data-charts='1']", state="attached", timeout=10_000)
            found = page.evaluate(WIDER_THAN, 390)
            if found:
                wide[name] = found
        assert wide == {}
    finally:
        context.close()
