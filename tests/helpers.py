"""Constants and small helpers shared by the tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PERSIAN_SEED = "000_b57cd57af517ef66"
DAEGU_SEED = "002_26049669d35f669e"


def write(path: Path, content: str | bytes) -> Path:
    """Write text exactly as given (no newline translation) or bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path
