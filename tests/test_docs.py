"""README and the docs/ pages: every relative link and picture points to a file that exists (and a
#anchor to a heading of it), README lists every page, and the user guide documents every command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _prose(text: str) -> str:
    """The text outside fenced code blocks and inline code, where links and headings are."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (code marks too), spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {_slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


def _links(page: Path) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", _prose(page.read_text(encoding="utf-8")))


def test_the_pages_have_links_to_check():
    assert len(PAGES) >= 9
    assert sum(len(_links(page)) for page in PAGES) > 50


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_relative_link_points_to_a_file_and_heading_that_exist(page: Path):
    broken = []
    for link in _links(page):
        if re.match(r"[a-z]+:", link):
            continue  # https:, mailto:
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        if not path.is_file():
            broken.append(f"{link}: no file {path}")
        elif anchor and (path.suffix != ".md" or anchor not in _anchors(path)):
            broken.append(f"{link}: no heading #{anchor} in {path.name}")
    assert not broken, f"{page.name}: " + "; ".join(broken)


def test_a_broken_link_or_anchor_would_be_found(tmp_path: Path):
    """The checks above can fail: a page with a missing file and a missing heading."""
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n## Keys and `code`\n\n[ok](#keys-and-code) [gone](nothing.md) [bad](#nope)\n"
                    "```\n[in code](ignored.md)\n```\n", encoding="utf-8")
    assert _links(page) == ["#keys-and-code", "nothing.md", "#nope"]
    assert _anchors(page) == {"a-page", "keys-and-code"}


def test_readme_lists_every_docs_page_and_every_picture_is_shown():
    readme_links = set(_links(ROOT / "README.md"))
    for page in (ROOT / "docs").glob("*.md"):
        assert f"docs/{page.name}" in readme_links, f"README does not link docs/{page.name}"
    shown = {(page.parent / link).resolve() for page in PAGES for link in _links(page) if link.endswith(".png")}
    for picture in (ROOT / "docs").glob("*.png"):
        assert picture.resolve() in shown, f"{picture.name} is on no page"


def test_screenshots_sh_renders_pictures_the_pages_show():
    script = (ROOT / "docs" / "screenshots.sh").read_text(encoding="utf-8")
    rendered = re.findall(r"--out (docs/\S+\.png)", script)
    assert len(rendered) >= 5
    for out in rendered:
        assert (ROOT / out).is_file(), out


def _commands_table() -> list[str]:
    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    section = guide.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    return [row.split(" | ", 1)[0] for row in section.splitlines() if row.startswith("| `")]


def test_the_guide_documents_every_command():
    from annotator.cli import cli

    first_cells = _commands_table()
    assert len(first_cells) >= 15
    for name, command in cli.commands.items():
        rows = [cell for cell in first_cells if re.search(rf"`(annotator )?{name}\b", cell)]
        assert rows, f"annotator {name} is not in docs/guide.md's Commands table"
        for sub in getattr(command, "commands", {}):
            assert any(re.search(rf"`(annotator )?({name} )?{sub}\b", cell) for cell in rows), f"annotator {name} {sub}"


def test_readme_stays_short():
    """README is the first screen and a table of contents; details go to a docs/ page it lists."""
    size = len((ROOT / "README.md").read_bytes())
    assert size < 6000, f"README.md is {size} bytes: move details into a docs/ page"
