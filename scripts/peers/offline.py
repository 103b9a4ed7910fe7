"""The round trip's peers that run no server: INCEpTION's files through dkpro-cassis (INCEpTION
itself is a Java server that cannot be installed here), Prodigy-shaped files, the training
consumers (spaCy's CoNLL converter, seqeval, a DocBin), and brat's own standoff reader and
annotation.conf checks (``--peers brat --brat-src DIR``: a checkout of nlplab/brat, which is not on
PyPI). Run by roundtrip.py with the repository's venv (it needs cassis and spaCy); prints one JSON
object: rows, mismatches, facts, errors. INCEpTION's part gives the source relations first
(``with_relations``) and counts them in rows of their own: walked in cassis from Governor to
Dependent, and imported back from XMI, a project export and WebAnno TSV, the gold layer's too.

    .venv/bin/python scripts/peers/offline.py --src-db source.db --workdir DIR [--annotator EXE]
    .venv/bin/python scripts/peers/offline.py --src-db source.db --workdir DIR --peers brat --brat-src ~/brat
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


# --- brat ------------------------------------------------------------------------------------------

# Run in a child process with brat's server/src on its path (brat's modules are Python 2 era and
# import by bare names): every .ann of a collection read by brat's own annotation.TextAnnotations,
# and checked by its verify_annotations against the collection's annotation.conf as brat's
# projectconfig reads it. Python 3 refuses the 'U' (universal newlines) mode brat opens files with;
# Python 3's text mode reads universal newlines anyway, so the shim keeps brat's reading.
BRAT_READER = r"""
import json, sys, os
src, config_dir, collection = sys.argv[1:4]
sys.path[:0] = [src, config_dir]
import annotation
def open_textfile(filename, mode="r"):
    return open(filename, mode.replace("U", ""), encoding="utf-8", errors="strict")
annotation.open_textfile = open_textfile
import projectconfig
projectconfig.open_textfile = open_textfile
import verify_annotations
out = {}
for folder, _, names in sorted(os.walk(collection)):
    for name in sorted(names):
        if not name.endswith(".ann"):
            continue
        stem = os.path.join(folder, name[:-4])
        conf = projectconfig.ProjectConfiguration(folder)
        with annotation.TextAnnotations(stem, read_only=True) as ann:
            text = ann.get_document_text()
            out[os.path.relpath(stem, collection)] = {
                "text": text,
                "T": {t.id: [t.type, [list(s) for s in t.spans], t.get_text()] for t in ann.get_textbounds()},
                "R": [[r.type, r.arg1l, r.arg1, r.arg2l, r.arg2] for r in ann.get_relations()],
                "notes": {c.target: c.tail.strip() for c in ann.get_oneline_comments()},
                "issues": [i.human_readable_str() for i in verify_annotations.verify_annotation(ann, conf)],
                "relation_types": conf.get_relation_types(),
            }
print(json.dumps(out, ensure_ascii=False))
"""

BRAT_FA = "🙂 محمدجواد رجائیان مدیرعامل سازمان فاوا شهرداری مشهد گفت.\nاین خبر از مشهد است."
BRAT_KO = "🎉 대구시는 스마트시티 엑스포 월드 콩그레스에 참가했다.\n김 과장은 대구\n시청에서 말했다."


def _brat_lines() -> list[dict]:
    """Persian and Korean documents with an emoji before every span, relations between the spans,
    notes, and a span across a line break (written as two fragments)."""
    def span(text: str, word: str, label: str, span_id: str) -> dict:
        return {"id": span_id, "start": text.index(word), "end": text.index(word) + len(word), "label": label}

    return [
        {"id": "brat-fa", "text": BRAT_FA, "lang": "fa", "annotator": "sara", "spans": [
            span(BRAT_FA, "محمدجواد رجائیان", "PER", "p"), span(BRAT_FA, "مدیرعامل", "ROLE", "r"),
            span(BRAT_FA, "سازمان فاوا شهرداری مشهد", "ORG", "o"), span(BRAT_FA, "مشهد", "GPE", "g")],
         "relations": [{"from": "p", "to": "r", "label": "holds_role"}, {"from": "r", "to": "o", "label": "role_in"},
                       {"from": "o", "to": "g", "label": "located_in", "note": "شهرداری"}]},
        {"id": "brat-ko", "text": BRAT_KO, "lang": "ko", "annotator": "minji", "spans": [
            span(BRAT_KO, "대구시", "GPE", "d"), span(BRAT_KO, "스마트시티 엑스포 월드 콩그레스", "EVENT", "e"),
            span(BRAT_KO, "과장", "ROLE", "k"), span(BRAT_KO, "대구\n시청", "ORG", "c")],
         "relations": [{"from": "d", "to": "e", "label": "participates_in"},
                       {"from": "k", "to": "c", "label": "role_in"}]},
    ]


def _relations_of(exe: str, db: Path, workdir: Path, name: str) -> dict:
    """{(doc id, layer): {"spans": relations as (from span, type, to span)}} of ``db`` (jsonl export)."""
    path = workdir / f"{name}-relations.jsonl"
    run(exe, db, "export", "--format", "jsonl", "-o", str(path))
    out: dict = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        ends = {s.get("id"): (s["start"], s["end"], s["label"]) for s in r.get("spans") or []}
        found = {(ends[x["from"]], x["label"], ends[x["to"]]) for x in r.get("relations") or []}
        if found:
            out[(r["id"], r["annotator"])] = {"spans": found, "themes": set()}
    return out


def brat(exe: str, src: Path, workdir: Path, out: Out, brat_src: Path | None = None) -> None:
    """annotator's brat export read by brat's own reader (spans and R lines exact, annotation.conf
    parsed by brat and no issue from its verifier), then imported back into a fresh database."""
    peer = "brat"
    code = brat_src / "server" / "src" if brat_src and (brat_src / "server" / "src").is_dir() else brat_src
    if code is None or not (code / "annotation.py").is_file():
        out.errors.append(f"[{peer}] give --brat-src: a checkout of nlplab/brat (its server/src/annotation.py)")
        return
    db = workdir / "brat-source.db"  # the round trip's database, with relations added
    layers_of(exe, src, workdir, "brat-src")
    for part in ("brat-src.jsonl", "brat-src-gold.jsonl"):
        if (workdir / part).read_text(encoding="utf-8").strip():
            run(exe, db, "import", str(workdir / part))
    lines = workdir / "brat-relations.jsonl"
    lines.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in _brat_lines()), encoding="utf-8")
    run(exe, db, "import", str(lines))
    expected, texts = layers_of(exe, db, workdir, "brat-source")
    relations = _relations_of(exe, db, workdir, "brat-source")
    collection = workdir / "brat-export"
    p = run(exe, db, "export", "--format", "brat", "-o", str(collection))
    config = workdir / "brat-config"  # the settings brat's installer would write (config.py)
    config.mkdir(exist_ok=True)
    (config / "config.py").write_text(f"BASE_DIR = DATA_DIR = WORK_DIR = {str(collection)!r}\nDEBUG = False\n")
    read = subprocess.run([sys.executable, "-c", BRAT_READER, str(code), str(config), str(collection)],
                          capture_output=True, text=True, timeout=600)
    if read.returncode:
        out.errors.append(f"[{peer}] brat's reader failed: {read.stderr.strip()[-600:]}")
        return
    files = json.loads(read.stdout)
    names = {}
    listed = collection / "file-names.tsv"
    if listed.exists():
        names = dict(line.split("\t") for line in listed.read_text(encoding="utf-8").splitlines())
    got: dict = {}
    got_relations: dict = {}
    for stem, ann in files.items():
        layer, file_name = stem.split("/")
        doc_id = names.get(stem, file_name)
        if ann["text"] != texts.get(doc_id):
            out.mismatches.append(f"{peer}: {stem}.txt: the text brat reads is not the stored text")
        spans = {}
        for t_id, (label, fragments, covered) in ann["T"].items():
            if covered != " ".join(ann["text"][a:b] for a, b in fragments):
                out.mismatches.append(f"{peer}: {stem}.ann {t_id}: brat's text {covered!r} is not what it covers")
            spans[t_id] = (fragments[0][0], fragments[-1][1], label)
        got[(doc_id, layer)] = {"spans": set(spans.values()), "themes": set()}
        found = {(spans[a1], kind, spans[a2]) for kind, _, a1, _, a2 in ann["R"]}
        if found:
            got_relations[(doc_id, layer)] = {"spans": found, "themes": set()}
        for issue in ann["issues"]:
            out.mismatches.append(f"{peer}: {stem}.ann: brat's verifier: {issue}")
    first = next(iter(files.values()), {})
    out.facts.append(f"[{peer}] relation types brat's projectconfig reads from annotation.conf: "
                     f"{', '.join(first.get('relation_types', []))}")
    plain = {k: v for k, v in expected.items() if k[1] != "gold"}
    out.row(peer, "export --format brat, spans read by brat's annotation.py", "annotator→peer", plain, got,
            themes=False, note="brat has no themes; fragments joined", warning=said(p.stdout, "left out"))
    out.row(peer, "export --format brat, R lines read by brat's annotation.py", "annotator→peer", relations,
            got_relations, themes=False, note="relations as (from span, type, to span)")
    back = workdir / "back-brat.db"
    p = run(exe, back, "import", str(collection), check=False)
    if p.returncode:
        out.errors.append(f"[{peer}] import of annotator's own brat export failed: {p.stderr.strip()[-500:]}")
        return
    out.row(peer, "export --format brat, imported back", "annotator→peer→annotator", plain,
            layers_of(exe, back, workdir, "back-brat")[0], themes=False, note="brat has no themes")
    out.row(peer, "relations through brat, imported back", "annotator→peer→annotator", relations,
            _relations_of(exe, back, workdir, "back-brat"), themes=False)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src-db", type=Path, required=True)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--annotator", default=str(REPO / ".venv" / "bin" / "annotator"))
    ap.add_argument("--peers", default="inception,consumers,prodigy")
    ap.add_argument("--brat-src", type=Path, help="a checkout of nlplab/brat (for --peers brat)")
    args = ap.parse_args()
    out = Out()
    for peer in args.peers.split(","):
        try:
            if peer == "brat":
                brat(args.annotator, args.src_db, args.workdir, out, args.brat_src)
                continue
            {"inception": inception, "consumers": consumers, "prodigy": prodigy}[peer](
                args.annotator, args.src_db, args.workdir, out)
        except Exception as e:  # noqa: BLE001 - reported in the table's errors
            out.errors.append(f"[{peer}] stopped: {type(e).__name__}: {e}")
    print(json.dumps({"rows": out.rows, "mismatches": out.mismatches, "facts": out.facts,
                      "errors": out.errors}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
