"""The round trip's peers that run no server: INCEpTION's files through dkpro-cassis (INCEpTION
itself is a Java server that cannot be installed here), Prodigy-shaped files, and the training
consumers (spaCy's CoNLL converter, seqeval, a DocBin). Run by roundtrip.py with the repository's
venv (it needs cassis and spaCy); prints one JSON object: rows, mismatches, facts, errors.

    .venv/bin/python scripts/peers/offline.py --src-db source.db --workdir DIR [--annotator EXE]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

import cassis

REPO = Path(__file__).resolve().parents[2]
NAMED_ENTITY = "de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity"
METADATA = "de.tudarmstadt.ukp.dkpro.core.api.metadata.type.DocumentMetaData"
THEME = "webanno.custom.Theme"


class Out:
    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.mismatches: list[str] = []
        self.facts: list[str] = []
        self.errors: list[str] = []

    def row(self, peer: str, via: str, direction: str, expected: dict, got: dict, *, note: str = "",
            warning: str = "", themes: bool = True) -> dict:
        """expected/got: {(doc_id, layer): {"spans": set, "themes": set}}."""
        row = {"peer": peer, "via": via, "direction": direction, "docs": len({d for d, _ in expected}),
               "expected": 0, "exact": 0, "layers": 0, "layers_by_name": 0, "themes_expected": 0,
               "themes_exact": 0, "note": note, "warning": warning}
        for key, want in expected.items():
            have = got.get(key, {"spans": set(), "themes": set()})
            row["expected"] += len(want["spans"])
            row["exact"] += len(want["spans"] & have["spans"])
            for s in sorted(want["spans"] - have["spans"]):
                self.mismatches.append(f"{peer}/{via} {direction}: {key[0]} {s} not in {key[1]}'s layer")
            if want["spans"]:
                row["layers"] += 1
                row["layers_by_name"] += want["spans"] <= have["spans"]
            if themes and want["themes"]:
                row["themes_expected"] += 1
                row["themes_exact"] += want["themes"] == have["themes"]
        self.rows.append(row)
        return row


def run(exe: str, db: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "ANNOTATOR_DB"}
    env["ANNOTATOR_NAME"] = "importer"
    p = subprocess.run([exe, "--db", str(db), *args], capture_output=True, text=True, env=env, timeout=600)
    if check and p.returncode:
        raise RuntimeError(f"annotator {' '.join(args)}: {p.stderr.strip()[-800:]}")
    return p


def layers_of(exe: str, db: Path, workdir: Path, name: str, *extra: str) -> tuple[dict, dict]:
    """{(doc id, layer): spans and themes} of ``db`` (jsonl export, with the gold layer), and the texts."""
    out: dict = {}
    texts: dict = {}
    for flags in ((), ("--gold",)):
        path = workdir / f"{name}{'-gold' if flags else ''}.jsonl"
        run(exe, db, "export", "--format", "jsonl", *flags, *extra, "-o", str(path))
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            texts[r["id"]] = r["text"]
            if r.get("annotator") is None:
                continue
            layer = out.setdefault((r["id"], r["annotator"]), {"spans": set(), "themes": set()})
            layer["spans"] |= {(s["start"], s["end"], s["label"]) for s in r.get("spans") or []}
            layer["themes"] |= set(r.get("themes") or [])
    return out, texts


def said(text: str, *words: str) -> str:
    for line in text.splitlines():
        low = line.lower()
        at = min((low.find(w) for w in words if w in low), default=-1)
        if at >= 0:
            start = max(0, at - 40)
            return ("..." if start else "") + line.strip()[start:start + 90]
    return ""


# --- INCEpTION ------------------------------------------------------------------------------------

def inception(exe: str, src: Path, workdir: Path, out: Out) -> None:
    peer = "inception"
    expected, texts = layers_of(exe, src, workdir, "source")

    # annotator → INCEpTION: every XMI file read by cassis itself, in the layer its folder names
    target = workdir / "inception-export.zip"
    run(exe, src, "export", "--format", "xmi", "-o", str(target))
    run(exe, src, "export", "--format", "xmi", "--gold", "-o", str(workdir / "inception-gold.zip"))
    got: dict = {}
    for archive_path in (target, workdir / "inception-gold.zip"):
        with zipfile.ZipFile(archive_path) as archive:
            ts = cassis.load_typesystem(io.BytesIO(archive.read("TypeSystem.xml")))
            for name in archive.namelist():
                if not name.endswith(".xmi"):
                    continue
                layer = name.split("/")[0]
                cas = cassis.load_cas_from_xmi(archive.read(name).decode("utf-8"), typesystem=ts)
                doc_id = next(iter(cas.select(METADATA))).documentId
                if cas.sofa_string != texts.get(doc_id):
                    out.mismatches.append(f"{peer}: {name}: the text cassis reads is not the stored text")
                spans = set()
                for e in cas.select(NAMED_ENTITY):
                    if e.get_covered_text() != cas.sofa_string[e.begin:e.end]:
                        out.mismatches.append(f"{peer}: {name}: covered text differs at {e.begin}")
                    spans.add((e.begin, e.end, e.value))
                themes = {t.value for t in cas.select(THEME)} if THEME in {t.name for t in ts.get_types()} else set()
                got[(doc_id, layer)] = {"spans": spans, "themes": themes}
    out.row(peer, "export --format xmi, read by dkpro-cassis", "annotator→peer", expected, got,
            note="offsets as cassis converts the file's UTF-16 units")

    # INCEpTION → annotator: a project export as INCEpTION writes it (annotation/<doc>/<user>.zip
    # holding the user's XMI, UTF-16 offsets written by cassis, and TypeSystem.xml)
    project = workdir / "inception-project.zip"
    with zipfile.ZipFile(target) as ours, zipfile.ZipFile(project, "w") as archive:
        ts_xml = ours.read("TypeSystem.xml")
        archive.writestr("exportedproject1.json", "{}")
        for name in ours.namelist():
            if not name.endswith(".xmi"):
                continue
            user, doc = name[:-4].split("/")
            inner = io.BytesIO()
            with zipfile.ZipFile(inner, "w") as per_user:
                per_user.writestr(f"{doc}.txt.xmi", ours.read(name))
                per_user.writestr("TypeSystem.xml", ts_xml)
            archive.writestr(f"annotation/{doc}.txt/{user}.zip", inner.getvalue())
    back = workdir / "back-inception.db"
    p = run(exe, back, "import", str(project), check=False)
    if p.returncode:
        out.errors.append(f"[{peer}] import of an INCEpTION-shaped project export failed: {p.stderr.strip()[-500:]}")
        got = {}
    else:
        got, _ = layers_of(exe, back, workdir, "back-inception")
    plain = {k: v for k, v in expected.items() if k[1] != "gold"}  # curation is not read (docs/format.md)
    out.row(peer, "project export (per-user XMI zips)", "peer→annotator", plain,
            {(d.removesuffix(".txt"), who): v for (d, who), v in got.items()})

    # WebAnno TSV 3.3 out and back (TSV holds no themes, and trims white space at span edges)
    tsv = workdir / "inception-tsv.zip"
    p = run(exe, src, "export", "--format", "webanno", "-o", str(tsv))
    back = workdir / "back-webanno.db"
    p2 = run(exe, back, "import", str(tsv), check=False)
    got = layers_of(exe, back, workdir, "back-webanno")[0] if not p2.returncode else {}
    if p2.returncode:
        out.errors.append(f"[{peer}] import of annotator's own webanno export failed: {p2.stderr.strip()[-500:]}")
    out.row(peer, "export --format webanno, imported back", "annotator→peer→annotator",
            {k: v for k, v in expected.items() if k[1] != "gold"}, got, themes=False,
            note="TSV has no themes", warning=said(p.stderr, "left out", "trimmed"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src-db", type=Path, required=True)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--annotator", default=str(REPO / ".venv" / "bin" / "annotator"))
    ap.add_argument("--peers", default="inception")
    args = ap.parse_args()
    out = Out()
    for peer in args.peers.split(","):
        try:
            {"inception": inception}[peer](args.annotator, args.src_db, args.workdir, out)
        except Exception as e:  # noqa: BLE001 - reported in the table's errors
            out.errors.append(f"[{peer}] stopped: {type(e).__name__}: {e}")
    print(json.dumps({"rows": out.rows, "mismatches": out.mismatches, "facts": out.facts,
                      "errors": out.errors}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
