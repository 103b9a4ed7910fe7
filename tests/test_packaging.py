"""A built wheel carries the seeds and resources, and finds them where it is installed."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_seeds_and_resources_and_uses_them(tmp_path: Path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    [wheel] = tmp_path.glob("annotator-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    seeds = {p.name for p in (ROOT / "seeds").glob("*.txt")}
    assert {f"annotator/seeds/{name}" for name in seeds} <= names
    assert "annotator/resources/schema.toml" in names
    # Run from the unpacked wheel, away from the checkout: the default database starts on the seeds
    # (made by the first command that writes; reading commands make no database).
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "site"), XDG_DATA_HOME=str(tmp_path / "data"))
    env.pop("ANNOTATOR_DB", None)

    def annotator(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", "import annotator.core.resources as r, annotator.cli as c; "
             "print(r.seeds_dir()); c.main()", *args],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
        )

    imported = annotator("import", "--samples")
    assert imported.returncode == 0, imported.stderr
    assert "0 documents added, 5 unchanged" in imported.stdout  # the new default database had them already
    out = annotator("docs", "--json")
    assert out.returncode == 0, out.stderr
    first, *docs = out.stdout.splitlines()
    assert first == str(tmp_path / "site" / "annotator" / "seeds")
    assert len(docs) == 5
