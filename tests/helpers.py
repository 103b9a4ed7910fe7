"""Constants and small helpers shared by the tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
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


@contextlib.contextmanager
def read_only_folder(folder: Path, files: list[Path] = ()):
    """``folder`` holding copies of ``files``, read-only while the block runs: a read-only tmpfs
    mount when we are root (root writes through permission bits), else a folder without write
    permission."""
    folder.mkdir(parents=True, exist_ok=True)
    root = os.geteuid() == 0
    if root:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], check=True)
    try:
        for path in files:
            shutil.copy(path, folder / path.name)
        if root:
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        else:
            for path in folder.iterdir():
                path.chmod(0o444)
            folder.chmod(0o555)
        yield folder
    finally:
        if root:
            if subprocess.run(["umount", str(folder)]).returncode:
                subprocess.run(["umount", "-l", str(folder)])
        else:
            folder.chmod(0o755)


def disable_span_check(store) -> None:
    """Let a test store a span whose text is not the document's (to see what reading it does)."""
    if store.is_team:
        store.db.execute("ALTER TABLE spans DISABLE TRIGGER spans_cover_text")
    else:
        store.db.execute("DROP TRIGGER spans_cover_text_update")
