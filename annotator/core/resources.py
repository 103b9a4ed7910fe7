"""Where the shipped resources and sample corpus are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def _find(name: str) -> Path:
    # In a wheel they are annotator/resources and annotator/seeds (pyproject's force-include);
    # in a checkout or an editable install they are at the top of the repository.
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"annotator's {name}/ folder is missing from {_PACKAGE}")


def resources_dir() -> Path:
    return _find("resources")


def seeds_dir() -> Path:
    return _find("seeds")


def default_schema_path() -> Path:
    return resources_dir() / "schema.toml"


def seeds_gold_path() -> Path:
    """The seed articles' complete gold annotation (annotator's JSONL, layer ``gold-set``)."""
    return resources_dir() / "seeds-gold.jsonl"
