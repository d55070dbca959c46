"""The facts code and comments rely on live in the repository's docs/: every citation of a rules document points
to a section that exists there, and nothing cites a document outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITED = ("kpi_definitions", "payroll_rules", "audit_tests", "sources")
CITATION = re.compile(r"docs/(" + "|".join(CITED) + r")\.md,? (?:sections? )?(\d+(?:\.\d+)?)")
TEXT_FILES = (".py", ".sql", ".yaml", ".csv", ".md", ".html", ".js")
TAG = re.compile(r"\[(S\d+[a-z]?)\]")


def _project_files():
    skipped = {".venv", ".git", "data", ".cache", "test-artifacts", "results"}
    for path in ROOT.rglob("*"):
        if path.is_file() and path.suffix in TEXT_FILES and not skipped & set(path.relative_to(ROOT).parts):
            yield path


def _sections(doc: str) -> set[str]:
    text = (ROOT / "docs" / f"{doc}.md").read_text(encoding="utf-8")
    found = set()
    for heading in re.findall(r"^#+ (\d+(?:\.\d+)?)", text, flags=re.MULTILINE):
        found.add(heading)
        found.add(heading.split(".")[0])  # "section 3" cites the chapter its subsections belong to
    return found


def test_every_citation_names_a_section_the_document_has():
    sections = {doc: _sections(doc) for doc in CITED if doc != "sources"}
    wrong, count = [], 0
    for path in _project_files():
        for doc, section in CITATION.findall(path.read_text(encoding="utf-8", errors="replace")):
            count += 1
            if doc != "sources" and section not in sections[doc]:
                wrong.append(f"{path.relative_to(ROOT)}: docs/{doc}.md {section}")
    assert count > 100, "the code cites the rules documents"
    assert wrong == []


def test_no_file_cites_a_document_outside_the_repository():
    pattern = re.compile(r"domain_reference\.md|\.\./shared/reference")
    outside = [str(p.relative_to(ROOT)) for p in _project_files() if pattern.search(p.read_text(errors="replace"))]
    assert outside == []


def test_every_source_tag_the_documents_use_is_listed():
    listed = set(re.findall(r"^- (S\d+[a-z]?) ", (ROOT / "docs" / "sources.md").read_text(encoding="utf-8"), re.M))
    used = set()
    for doc in CITED:
        used |= set(TAG.findall((ROOT / "docs" / f"{doc}.md").read_text(encoding="utf-8")))
    assert used and used <= listed, sorted(used - listed)
