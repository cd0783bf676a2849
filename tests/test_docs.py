"""Docstrings and comments cite documentation that ships with the repository.

Checked on every text file under ``lib/``, ``tracking/`` and ``scripts/``:

* no citation of a file users do not have (the team's benchmark specification, the fixture READMEs, the
  architecture review); a module that *reads* the optional ``../shared/reference`` fixtures at run time may
  name that folder, and its docstring must say the data is optional;
* every cited ``docs/<file>.md`` exists, and a cited ``#anchor`` is a heading of that file;
* every quirk label the code cites (``Q9``, ``quirks B1-B3``, ``P1-P7``, ...) is a heading of the quirk page
  of its tracker: ``Q`` labels in ``docs/quirks-aiatrack.md``, the SiamAttn families in
  ``docs/quirks-siamattn.md``;
* every relative link of ``README.md`` and ``docs/*.md`` reaches an existing file and section.
"""
from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("lib", "tracking", "scripts")
SOURCE_SUFFIXES = {".py", ".md", ".sh"}

# Citations of files outside the repository (whitespace may wrap a phrase over two lines).
EXTERNAL_CITATION = re.compile(r"BENCHMARKS\.md|shared/reference|shared/spec|reference\s+README|ARCHITECTURE\.md"
                               r"|README,?\s+section\s+\d|section\s+\d[\d.]*\s+of\s+that\s+README")
# The optional fixture folder as code that reads it at run time names it.
RUNTIME_FIXTURE_PATH = re.compile(r"\.\./shared/reference\b")
READS_FIXTURES = re.compile(r"""["']shared["']\s*/\s*["']reference["']""")

DOC_CITATION = re.compile(r"\bdocs/([\w.-]+\.md)(?:#([\w-]+))?")

LABEL_FILES = {"Q": "quirks-aiatrack.md", **{family: "quirks-siamattn.md" for family in "CKDRBFMNP"}}
LABEL = re.compile(r"\b([QCKDRBFMNP])(\d{1,2})\b")
LABEL_RANGE = re.compile(r"\b([QCKDRBFMNP])(\d{1,2})\s*[-–]\s*\1?(\d{1,2})\b")
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]*)(?:#([^)\s]+))?\)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def source_files() -> list[Path]:
    """Text files of the package and entry points (the packaged benchmark lists are data, not text)."""
    return sorted(path for folder in SOURCE_DIRS for path in (REPO_ROOT / folder).rglob("*")
                  if path.is_file() and path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts)


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def github_slug(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces -> hyphens."""
    title = re.sub(r"[`*]", "", title).strip().lower()
    return re.sub(r"[^\w\- ]", "", title).replace(" ", "-")


@functools.lru_cache(maxsize=None)
def headings(doc: Path) -> list[str]:
    """Heading titles of a markdown file, outside fenced code blocks."""
    titles, fenced = [], False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            titles.append(match.group(2))
    return titles


@functools.lru_cache(maxsize=None)
def anchors(doc: Path) -> set[str]:
    """Every anchor of a markdown file (repeated titles get ``-1``, ``-2`` ... as on GitHub)."""
    seen: dict[str, int] = {}
    result = set()
    for title in headings(doc):
        slug = github_slug(title)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def cited_labels(text: str) -> set[str]:
    """Quirk labels in a text, ranges such as ``P1-P7`` or ``C4-C6`` expanded."""
    labels = {family + number for family, number in LABEL.findall(text)}
    for family, first, last in LABEL_RANGE.findall(text):
        labels.update(f"{family}{n}" for n in range(int(first), int(last) + 1))
    return labels


def module_docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


def test_no_citation_of_files_outside_the_repository():
    offenders = []
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        runtime_reader = path.suffix == ".py" and READS_FIXTURES.search(text) is not None
        for match in EXTERNAL_CITATION.finditer(text):
            start = match.start()
            if runtime_reader and RUNTIME_FIXTURE_PATH.match(text, max(0, start - 3)):
                continue  # the fixture folder this module reads when it is present
            offenders.append(f"{path.relative_to(REPO_ROOT)}:{line_of(text, start)}: {match.group(0)!r}")
    assert not offenders, "cite docs/ instead of files users do not have:\n" + "\n".join(offenders)


def test_modules_reading_the_fixtures_say_they_are_optional():
    readers = [path for path in source_files() if path.suffix == ".py"
               and READS_FIXTURES.search(path.read_text(encoding="utf-8"))]
    assert readers, "no module reads ../shared/reference any more: drop this test's exception"
    for path in readers:
        docstring = module_docstring(path)
        assert "optional" in docstring.lower() and "../shared/reference" in docstring, \
            f"{path.relative_to(REPO_ROOT)}: the docstring must say that ../shared/reference is optional test data"


def test_cited_docs_files_and_sections_exist():
    missing = []
    cited = 0
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        for match in DOC_CITATION.finditer(text):
            cited += 1
            doc, anchor = REPO_ROOT / "docs" / match.group(1), match.group(2)
            where = f"{path.relative_to(REPO_ROOT)}:{line_of(text, match.start())}"
            if not doc.is_file():
                missing.append(f"{where}: docs/{match.group(1)} does not exist")
            elif anchor and anchor not in anchors(doc):
                missing.append(f"{where}: docs/{match.group(1)} has no section #{anchor}")
    assert cited, "the code cites no docs/ file: the pattern no longer matches the citations"
    assert not missing, "\n".join(missing)


def test_cited_quirk_labels_are_defined():
    cited: dict[str, list[str]] = {}
    for path in source_files():
        if path.suffix != ".py":
            continue
        text = path.read_text(encoding="utf-8")
        for label in cited_labels(text):
            cited.setdefault(label, []).append(str(path.relative_to(REPO_ROOT)))
    assert {"Q9", "P4", "C5"} <= set(cited), "expected citations (Q9, P1-P7, C4-C6) not found: check the patterns"
    undefined = []
    for label, paths in sorted(cited.items()):
        doc = REPO_ROOT / "docs" / LABEL_FILES[label[0]]
        defined = doc.is_file() and any(re.match(rf"{label}\b", title) for title in headings(doc))
        if not defined:
            undefined.append(f"{label} (cited in {', '.join(sorted(set(paths)))}) has no heading in docs/{doc.name}")
    assert not undefined, "\n".join(undefined)


def test_links_of_the_docs_and_readme_resolve():
    broken = []
    pages = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for match in MARKDOWN_LINK.finditer(text):
            target, anchor = match.group(1), match.group(2)
            if "://" in target:
                continue
            doc = (page.parent / target).resolve() if target else page
            where = f"{page.relative_to(REPO_ROOT)}:{line_of(text, match.start())}"
            if not doc.exists():
                broken.append(f"{where}: {target} does not exist")
            elif anchor and (doc.suffix != ".md" or anchor not in anchors(doc)):
                broken.append(f"{where}: {target or page.name} has no section #{anchor}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("doc", sorted(set(LABEL_FILES.values())))
def test_quirk_labels_are_defined_once(doc):
    path = REPO_ROOT / "docs" / doc
    labels = [match.group(0) for title in headings(path) if (match := LABEL.match(title))]
    assert labels, f"docs/{doc} defines no quirk label"
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    assert not repeated, f"docs/{doc} defines {repeated} more than once"


def test_helpers_on_hand_made_text(tmp_path):
    assert cited_labels("quirks B1-B3 and (Q22, Q23); C4–C6; not B12x or AB1") == \
        {"B1", "B2", "B3", "Q22", "Q23", "C4", "C5", "C6"}
    doc = tmp_path / "page.md"
    doc.write_text("# Title\n## UAV123\n```\n## not a heading\n```\n### Q1. Crop `size` is a ceil\n## UAV123\n",
                   encoding="utf-8")
    assert anchors(doc) == {"title", "uav123", "q1-crop-size-is-a-ceil", "uav123-1"}
