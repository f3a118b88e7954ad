"""The gallery's order and search ranking, from what each preset file says about itself (no analysis).

Cards are ordered by family (its earliest year first), then year, then name
with numbers compared as numbers (ResNet-18, 34, 50, 101); a search lists
exact and then prefix matches of the name first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PresetHeader:
    """What a preset file says about itself, read without analysing it."""

    slug: str
    name: str
    family: str
    description: str

    @property
    def year(self) -> int:
        """The first year the description cites (its paper's), or 9999 when it names none."""
        found = re.search(r"\b(?:19|20)\d\d\b", self.description)
        return int(found.group(0)) if found else 9999

    @property
    def search_text(self) -> str:
        return " ".join((self.slug, self.name, self.family, self.description)).lower()


def preset_header(slug: str, path: Path) -> PresetHeader:
    """The header of a preset file; an unreadable one is named by its slug (its card shows the error)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    text = {key: data.get(key) if isinstance(data.get(key), str) else "" for key in ("name", "family", "description")}
    return PresetHeader(slug, text["name"] or slug, text["family"], text["description"])


def natural_key(text: str) -> tuple:
    """'ResNet-101' → ('resnet-', 101, ''): numbers compare by value, so 18 < 34 < 101."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text.lower()))


def gallery_order(headers: list[PresetHeader]) -> list[str]:
    """Slugs by family (families by their earliest year), then year, then natural name order."""
    first_year: dict[str, int] = {}
    for h in headers:
        first_year[h.family] = min(first_year.get(h.family, h.year), h.year)
    ranked = sorted(headers, key=lambda h: (first_year[h.family], h.family, h.year, natural_key(h.name), h.slug))
    return [h.slug for h in ranked]


def match_rank(query: str, header: PresetHeader) -> int:
    """0 when the query is the name or slug, 1 when either starts with it, 2 for any other match."""
    query = query.strip().lower()
    names = (header.name.lower(), header.slug.lower())
    if query in names:
        return 0
    return 1 if any(n.startswith(query) for n in names) else 2
