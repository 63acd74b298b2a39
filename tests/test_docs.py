"""Every document the code or the docs point to exists, and every doc is reachable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# "docs/x.md" anywhere in the source; in docs/, also relative links "(x.md)".
CITED = re.compile(r"docs/([a-z0-9_-]+\.md)")
LINKED = re.compile(r"\]\(([a-z0-9_./-]+\.md)(?:#[^)]*)?\)")


def _sources() -> list[Path]:
    return sorted((ROOT / "src" / "driftscope").rglob("*.py"))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_doc_a_module_cites_exists(path: Path) -> None:
    missing = sorted(
        {name for name in CITED.findall(path.read_text()) if not (DOCS / name).is_file()}
    )
    assert not missing, f"{path.relative_to(ROOT)} cites missing docs: {missing}"


@pytest.mark.parametrize(
    "path", [ROOT / "README.md", *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name
)
def test_every_markdown_link_to_a_doc_resolves(path: Path) -> None:
    text = path.read_text()
    links = {target for target in LINKED.findall(text) if not target.startswith("http")}
    missing = sorted(t for t in links if not (path.parent / t).resolve().is_file())
    assert not missing, f"{path.name} links to missing files: {missing}"


def test_every_doc_is_linked_from_the_readme_or_another_doc() -> None:
    texts = {p.name: p.read_text() for p in DOCS.glob("*.md")}
    texts["README.md"] = (ROOT / "README.md").read_text()
    for name in sorted(texts):
        if name == "README.md":
            continue
        others = [text for other, text in texts.items() if other != name]
        assert any(name in text for text in others), f"docs/{name} is linked from nowhere"
