"""The round trip's peers that run no server: INCEpTION's files through dkpro-cassis (INCEpTION
itself is a Java server that cannot be installed here), Prodigy-shaped files, and the training
consumers (spaCy's CoNLL converter, seqeval, a DocBin). Run by roundtrip.py with the repository's
venv (it needs cassis and spaCy); prints one JSON object: rows, mismatches, facts, errors.
INCEpTION's part gives the source relations first (``with_relations``) and counts them in rows of
their own: walked in cassis from Governor to Dependent, and imported back from XMI, a project
export and WebAnno TSV, the gold layer's too.

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
RELATION = "webanno.custom.Relation"  # annotator's relation layer on the named-entity layer


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
            layer = out.setdefault((r["id"], r["annotator"]), {"spans": set(), "themes": set(), "relations": set()})
            layer["spans"] |= {(s["start"], s["end"], s["label"]) for s in r.get("spans") or []}
            layer["themes"] |= set(r.get("themes") or [])
            ends = {s.get("id"): (s["start"], s["end"], s["label"]) for s in r.get("spans") or []}
            layer["relations"] |= {(ends[x["from"]], ends[x["to"]], x["label"]) for x in r.get("relations") or []}
    return out, texts


def relations_only(layers: dict) -> dict:
    """The same layers with their relations in the place of spans, for a row that counts relations."""
    return {key: {"spans": v.get("relations", set()), "themes": set()} for key, v in layers.items()
            if v.get("relations")}


def with_relations(exe: str, src: Path, workdir: Path) -> Path:
    """A copy of the source database (its JSONL export, gold included, imported into a new one) whose
    layers hold relations: per layer and relation type of the schema, the first pair of spans its
    rule allows, up to three a layer; ends after emoji and in Persian and Korean as the spans are. A
    gold layer may take a span of another layer of its document for an end (the seeds' gold layers
    hold one span each)."""
    kinds = json.loads(run(exe, src, "schema", "show", "--json").stdout)["relations"]
    db = workdir / "inception-source.db"
    others: dict = defaultdict(list)  # a document -> every span of its annotators' layers
    for flags in ((), ("--gold",)):
        path = workdir / f"relations-source{'-gold' if flags else ''}.jsonl"
        run(exe, src, "export", "--format", "jsonl", *flags, "-o", str(path))
        lines = []
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            spans = r.get("spans") or []
            if not flags:
                others[r["id"]] += [{k: v for k, v in x.items() if k != "id"} for x in spans]
            pool = spans + ([x for x in others[r["id"]] if x not in spans] if flags else [])
            for i, x in enumerate(pool):
                x["id"] = f"s{i}"
            made = []
            for kind in kinds:
                pair = next(((a, b) for a in pool for b in pool
                             if (a["start"], a["end"], a["label"]) != (b["start"], b["end"], b["label"])
                             and (not kind["from"] or a["label"] in kind["from"])
                             and (not kind["to"] or b["label"] in kind["to"])), None)
                if pair and len(made) < 3:
                    made.append({"from": pair[0]["id"], "to": pair[1]["id"], "label": kind["name"]})
                    spans += [x for x in pair if x not in spans]
            r["spans"], r["relations"] = spans, made
            lines.append(json.dumps(r, ensure_ascii=False))
        path.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
        run(exe, db, "import", str(path))
    return db


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
    src = with_relations(exe, src, workdir)
    expected, texts = layers_of(exe, src, workdir, "source")
    relation_count = sum(len(v["relations"]) for v in expected.values())
    out.facts.append(f"[{peer}] source with relations: {relation_count} relations in "
                     f"{sum(1 for v in expected.values() if v['relations'])} layers (gold included)")

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
                relations = set()
                for r in cas.select(RELATION):  # walked as INCEpTION does: Governor -> Dependent
                    g, d = r.Governor, r.Dependent
                    if (r.begin, r.end) != (d.begin, d.end):
                        out.mismatches.append(f"{peer}: {name}: relation {r.xmiID} does not sit on its dependent")
                    relations.add(((g.begin, g.end, g.value), (d.begin, d.end, d.value), r.value))
                got[(doc_id, layer)] = {"spans": spans, "themes": themes, "relations": relations}
    out.row(peer, "export --format xmi, read by dkpro-cassis", "annotator→peer", expected, got,
            note="offsets as cassis converts the file's UTF-16 units")
    out.row(peer, "export --format xmi: relations (Governor→Dependent) in cassis", "annotator→peer",
            relations_only(expected), relations_only(got), themes=False,
            note="counts are relations: ends by offsets and label, and type")

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
    named = {(d.removesuffix(".txt"), who): v for (d, who), v in got.items()}
    out.row(peer, "project export (per-user XMI zips)", "peer→annotator", plain, named)
    out.row(peer, "project export (per-user XMI zips): relations", "peer→annotator", relations_only(plain),
            relations_only(named), themes=False, note="counts are relations")

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
    out.row(peer, "export --format webanno (#T_RL layer), imported back: relations", "annotator→peer→annotator",
            relations_only({k: v for k, v in expected.items() if k[1] != "gold"}), relations_only(got),
            themes=False, note="counts are relations", warning=said(p.stderr, "relation left out", "relations left out"))
    # the gold layer's relations, in XMI and TSV, imported back
    for kind in ("xmi", "webanno"):
        gold = workdir / f"inception-gold-{kind}.zip"
        told = run(exe, src, "export", "--format", kind, "--gold", "-o", str(gold))
        back = workdir / f"back-gold-{kind}.db"
        p3 = run(exe, back, "import", str(gold), check=False)
        if p3.returncode:
            out.errors.append(f"[{peer}] import of the gold {kind} export failed: {p3.stderr.strip()[-500:]}")
        got = layers_of(exe, back, workdir, f"back-gold-{kind}")[0] if not p3.returncode else {}
        out.row(peer, f"export --format {kind} --gold, imported back: relations", "annotator→peer→annotator",
                relations_only({k: v for k, v in expected.items() if k[1] == "gold"}), relations_only(got),
                themes=False, note="counts are relations", warning=said(told.stderr, "relation left out"))


# --- the training consumers ------------------------------------------------------------------------

def consumers(exe: str, src: Path, workdir: Path, out: Out) -> None:
    """sara's layer through spaCy's own converters (the real `spacy convert`) and seqeval, and every
    layer through a DocBin: one Doc per document, no junk -DOCSTART- document, the text as stored
    (CoNLL-U), every entity exact, and doc.spans["sc"] holding every span."""
    import spacy
    from spacy.tokens import DocBin

    peer = "spaCy/seqeval"
    expected, texts = layers_of(exe, src, workdir, "consumers")
    sara = {d: v for (d, who), v in expected.items() if who == "sara"}
    nlp = spacy.blank("xx")
    for fmt, converter in (("conll", "ner"), ("conllu", "conllu")):
        # CoNLL-2003: the whole layer in one file, one Doc per -DOCSTART-. CoNLL-U: one file per
        # document, as spaCy's conllu converter groups sentences by count (-n), not by document.
        batches = [("sara", [])] if fmt == "conll" else [(d, ["--ids", d]) for d in sorted(sara)]
        docs, warning = [], ""
        for name, ids in batches:
            path = workdir / f"sara-{name}.{fmt}"
            told = run(exe, src, "export", "--format", fmt, "--annotator", "sara", *ids, "-o", str(path))
            warning = warning or said(told.stderr, "overlap", "left out")
            folder = workdir / f"converted-{fmt}-{name}"
            folder.mkdir(exist_ok=True)
            p = subprocess.run([sys.executable, "-m", "spacy", "convert", str(path), str(folder), "-c", converter,
                                "-n", "1" if fmt == "conll" else "1000"], capture_output=True, text=True, timeout=300)
            if p.returncode:
                out.errors.append(f"[{peer}] spacy convert -c {converter} failed: {p.stderr.strip()[-400:]}")
                continue
            docs += list(DocBin().from_disk(next(folder.glob("*.spacy"))).get_docs(nlp.vocab))
        junk = sum(1 for d in docs if "-DOCSTART-" in d.text)
        got: dict = {}
        exact_text = 0
        by_text = {t: d for d, t in texts.items()}
        for doc in docs:
            doc_id = by_text.get(doc.text)
            exact_text += doc_id is not None
            if doc_id is None:  # CoNLL-2003 cannot say where no space was: find the document by its words
                doc_id = next((d for d, t in texts.items() if d in sara and
                               t.replace(" ", "")[:20] == doc.text.replace(" ", "")[:20]), None)
            if doc_id is None:
                continue
            if doc_id in by_text.values() and doc.text == texts[doc_id]:
                spans = {(e.start_char, e.end_char, e.label_) for e in doc.ents}
            else:  # compared by words and label: the offsets moved with the spaces spaCy put back
                spans = {(e.text.replace(" ", ""), e.label_) for e in doc.ents}
            got[(doc_id, "sara")] = {"spans": spans, "themes": set()}
        want = {}
        for d, v in sara.items():
            same = got.get((d, "sara"), {"spans": set()})["spans"]
            if same and isinstance(next(iter(same))[0], str):
                want[(d, "sara")] = {"spans": {(texts[d][a:b].replace(" ", ""), lab) for a, b, lab in v["spans"]},
                                     "themes": set()}
            else:
                want[(d, "sara")] = v
        out.row(peer, f"export --format {fmt} → spacy convert -c {converter}", "annotator→consumer", want, got,
                themes=False, warning=warning, note=f"{len(docs)} Docs for {len(sara)} documents, {junk} holding -DOCSTART-, "
                                   f"{exact_text} with the stored text exactly")
        if junk:
            out.errors.append(f"[{peer}] {fmt}: {junk} Docs hold a -DOCSTART- line")
        if fmt == "conll":
            from seqeval.metrics import f1_score
            from seqeval.metrics.sequence_labeling import get_entities

            tags = [line.split()[-1] for line in path.read_text(encoding="utf-8").splitlines()
                    if line.strip() and not line.startswith("-DOCSTART-")]
            out.facts.append(f"[{peer}] seqeval reads sara's CoNLL: {len(get_entities(tags))} entities "
                             f"(F1 against itself {f1_score([tags], [tags]):.2f})")
    # every layer in one DocBin: doc.spans["sc"] holds every span of the layer
    bin_path = workdir / "all.spacy"
    run(exe, src, "export", "--format", "spacy-docbin", "-o", str(bin_path))
    got = {}
    for doc in DocBin().from_disk(bin_path).get_docs(nlp.vocab):
        data = doc.user_data or {}
        key = (data.get("id") or data.get("doc_id"), data.get("annotator"))
        got[key] = {"spans": {(s.start_char, s.end_char, s.label_) for s in doc.spans.get("sc", [])}, "themes": set()}
    if not any(k[0] for k in got):
        out.facts.append(f"[{peer}] DocBin user_data keys: {sorted({k for d in got for k in d})}")
    out.row(peer, "export --format spacy-docbin, doc.spans['sc']", "annotator→consumer",
            {k: v for k, v in expected.items() if k[1] not in ("gold", "model")}, got, themes=False,
            note="the model layer is left out of training exports unless asked")


# --- Prodigy ---------------------------------------------------------------------------------------

def prodigy(exe: str, src: Path, workdir: Path, out: Out) -> None:
    """Prodigy names a session dataset-person: news_ner-sara and news_cat-sara are one person,
    mapped with --layer-map."""
    peer = "prodigy"
    text = "😀 خبر: رجائیان در مشهد"
    s = text.index("رجائیان")
    lines = [{"text": text, "meta": {"doc_id": "prodigy-1"}, "_annotator_id": "news_ner-sara",
              "_session_id": "news_ner-sara", "answer": "accept",
              "spans": [{"start": s, "end": s + 7, "label": "PER"}]},
             {"text": text, "meta": {"doc_id": "prodigy-1"}, "_annotator_id": "news_cat-sara",
              "_session_id": "news_cat-sara", "answer": "accept", "accept": ["health"], "spans": []}]
    path = workdir / "prodigy.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    db = workdir / "back-prodigy.db"
    p = run(exe, db, "import", "--format", "prodigy", "--layer-map", "news_ner-sara=sara", "--layer-map",
            "news_cat-sara=sara", str(path), check=False)
    if p.returncode:
        out.errors.append(f"[{peer}] import with --layer-map failed: {p.stderr.strip()[-400:]}")
        got = {}
    else:
        got, _ = layers_of(exe, db, workdir, "back-prodigy")
    doc_ids = {d for d, _ in got} or {"prodigy-1"}
    doc_id = next(iter(doc_ids))
    out.row(peer, "Prodigy JSONL with --layer-map", "peer→annotator",
            {(doc_id, "sara"): {"spans": {(s, s + 7, "PER")}, "themes": set()}}, got, themes=False,
            note=f"layers after import: {', '.join(sorted({w for _, w in got}))}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src-db", type=Path, required=True)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--annotator", default=str(REPO / ".venv" / "bin" / "annotator"))
    ap.add_argument("--peers", default="inception,consumers,prodigy")
    args = ap.parse_args()
    out = Out()
    for peer in args.peers.split(","):
        try:
            {"inception": inception, "consumers": consumers, "prodigy": prodigy}[peer](
                args.annotator, args.src_db, args.workdir, out)
        except Exception as e:  # noqa: BLE001 - reported in the table's errors
            out.errors.append(f"[{peer}] stopped: {type(e).__name__}: {e}")
    print(json.dumps({"rows": out.rows, "mismatches": out.mismatches, "facts": out.facts,
                      "errors": out.errors}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
