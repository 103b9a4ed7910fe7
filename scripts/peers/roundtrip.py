#!/usr/bin/env python3
"""Round trip of annotator's import/export through a real Label Studio and a real doccano.

Not run in CI: it installs the peers from PyPI (about 1.7 GB in the cache folder the first time),
starts them on 127.0.0.1 and takes a few minutes. See scripts/peers/README.md.

For each peer it:
  1. installs the peer into its own venv under the cache folder (reused when present);
  2. starts it bound to 127.0.0.1 on a free port, data in a temporary folder, telemetry and
     version checks off; every process is stopped by its process group at the end (try/finally);
  3. creates an admin, an API token and projects;
  4. builds an annotator database from seeds/ plus tricky documents (emoji, ZWJ sequence, flag,
     ZWNJ, NFD Korean, a character outside the BMP) with spans by "sara" and "minji";
  5. exports it with annotator into the peer's format, imports that into the peer through its API
     and checks, in the peer's own units, that every span covers the same characters;
  6. annotates through the peer's API the way its editor stores spans: Label Studio code points
     (with the span's text), doccano UTF-16 code units (JavaScript string indices);
  7. exports from the peer through its API and imports that into a fresh annotator database;
  8. compares span by span and prints a table and every mismatch.

Only the standard library is used; run it with the machine's python3 (3.11).
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import random
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import traceback
import unicodedata
import urllib.error
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Peers and what is installed for each. doccano 1.8.4 as resolved from PyPI today does not start
# without two pins: environs 9.5 reads marshmallow.__version_info__ (gone in marshmallow 4), and
# the pandas 1.5.3 wheel is built against numpy 1.x ("numpy.dtype size changed" with numpy 2).
PEERS = {
    "labelstudio": ["label-studio==1.23.2"],
    "doccano": ["doccano==1.8.4", "marshmallow<4", "numpy<2"],
}
PEER_VENV = {"labelstudio": "label-studio", "doccano": "doccano"}
# Peers that run no server, checked by offline.py with the repository's venv (dkpro-cassis, spaCy):
# INCEpTION's files, the training consumers, a Prodigy file.
OFFLINE = ("inception", "consumers", "prodigy")

LS_ADMIN = "admin@example.com"
LS_PASSWORD = "roundtrip-" + uuid.uuid4().hex[:12]
LS_TOKEN = uuid.uuid4().hex  # legacy API token ("Authorization: Token ...")
DC_ADMIN = "admin"
DC_PASSWORD = "roundtrip-" + uuid.uuid4().hex[:12]

HTTP_TIMEOUT = 60  # seconds for one request
START_TIMEOUT = 180  # seconds for a server to answer after start
TASK_TIMEOUT = 120  # seconds for a doccano celery task


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# offsets

def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def cp_to_utf16(text: str, i: int) -> int:
    return utf16_len(text[:i])


def utf16_to_cp(text: str, u: int) -> int | None:
    n = 0
    for i, ch in enumerate(text):
        if n == u:
            return i
        n += 2 if ord(ch) > 0xFFFF else 1
    return len(text) if n == u else None


def utf16_slice(text: str, s: int, e: int) -> str:
    b = text.encode("utf-16-le")
    return b[2 * s:2 * e].decode("utf-16-le", errors="replace")


# ---------------------------------------------------------------------------------------------
# processes

class Procs:
    """Processes started here, each in its own process group; stopped by group id, never by name."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict, logfile: Path, cwd: Path | None = None) -> subprocess.Popen:
        fh = open(logfile, "ab")
        p = subprocess.Popen(argv, env=env, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             cwd=cwd, start_new_session=True)
        fh.close()
        self.procs.append((name, p))
        log(f"  started {name}: pid {p.pid} (log {logfile})")
        return p

    def stop_all(self) -> None:
        for name, p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 20
        for name, p in reversed(self.procs):
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=10)
            # children left in the group (gunicorn workers, celery pool)
            try:
                os.killpg(p.pid, 0)
            except ProcessLookupError:
                pass
            else:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            log(f"  stopped {name} (pid {p.pid})")
        self.procs.clear()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_addresses(pids: list[int]) -> list[str]:
    """Addresses the given processes (and their groups) listen on, from /proc (Linux only)."""
    inodes = set()
    for pid in pids:
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                if os.getpgid(int(d.name)) != pid:
                    continue
                for fd in (d / "fd").iterdir():
                    t = os.readlink(fd)
                    if t.startswith("socket:["):
                        inodes.add(t[8:-1])
            except (OSError, ProcessLookupError):
                continue
    out = []
    for f, fam in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 6)):
        try:
            lines = Path(f).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] != "0A" or parts[9] not in inodes:  # 0A = LISTEN
                continue
            addr, port = parts[1].split(":")
            if fam == 4:
                ip = ".".join(str(int(addr[i:i + 2], 16)) for i in (6, 4, 2, 0))
            else:
                ip = "::1" if addr == "00000000000000000000000001000000" else ("::" if set(addr) == {"0"} else addr)
            out.append(f"{ip}:{int(port, 16)}")
    return sorted(set(out))


# ---------------------------------------------------------------------------------------------
# HTTP

class HttpError(Exception):
    def __init__(self, status: int, body: str, url: str):
        super().__init__(f"HTTP {status} from {url}: {body[:2000]}")
        self.status, self.body = status, body


class Http:
    def __init__(self, base: str, headers: dict | None = None):
        self.base = base.rstrip("/")
        self.headers = dict(headers or {})

    def call(self, method: str, path: str, data=None, files: dict | None = None, fields: dict | None = None,
             raw: bool = False):
        h = dict(self.headers)
        body = None
        if files:
            b = uuid.uuid4().hex
            parts = []
            for k, v in (fields or {}).items():
                parts.append(f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
            for k, (fn, content) in files.items():
                parts.append(f'--{b}\r\nContent-Disposition: form-data; name="{k}"; filename="{fn}"\r\n'
                             f'Content-Type: application/octet-stream\r\n\r\n'.encode() + content + b"\r\n")
            body = b"".join(parts) + f"--{b}--\r\n".encode()
            h["Content-Type"] = f"multipart/form-data; boundary={b}"
        elif data is not None:
            body = json.dumps(data).encode()
            h["Content-Type"] = "application/json"
        url = self.base + path
        req = urllib.request.Request(url, data=body, headers=h, method=method)
        try:
            with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as f:
                content = f.read()
        except urllib.error.HTTPError as e:
            raise HttpError(e.code, e.read().decode("utf-8", "replace"), url) from None
        if raw:
            return content
        try:
            return json.loads(content or b"null")
        except ValueError:
            return content.decode("utf-8", "replace")


def wait_until(what: str, probe, timeout: float, proc: subprocess.Popen | None = None, every: float = 1.0):
    """Call probe() until it returns a true value; bounded in attempts and time."""
    deadline = time.monotonic() + timeout
    attempts = int(timeout / every) + 1
    last = None
    for _ in range(attempts):
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: process {proc.pid} exited with {proc.returncode}")
        try:
            r = probe()
            if r:
                return r
        except Exception as e:  # noqa: BLE001 - any failure means "not yet"
            last = e
        if time.monotonic() > deadline:
            break
        time.sleep(every)
    raise TimeoutError(f"{what}: gave up after {timeout:.0f} s (last error: {last})")


# ---------------------------------------------------------------------------------------------
# venvs

def ensure_venv(peer: str, cache: Path) -> Path:
    venv = cache / PEER_VENV[peer]
    marker = venv / ".annotator-roundtrip"
    spec = " ".join(PEERS[peer])
    if marker.exists() and marker.read_text().strip() == spec:
        log(f"[{peer}] reusing {venv}")
        return venv
    cache.mkdir(parents=True, exist_ok=True)
    py = shutil.which("python3") or sys.executable
    logf = cache / f"{PEER_VENV[peer]}-install.log"
    log(f"[{peer}] installing {spec} into {venv} (log {logf}); this takes several minutes the first time")
    with open(logf, "ab") as fh:
        if not (venv / "bin" / "python").exists():
            subprocess.run([py, "-m", "venv", str(venv)], check=True, stdout=fh, stderr=subprocess.STDOUT)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", *PEERS[peer]],
                       check=True, stdout=fh, stderr=subprocess.STDOUT, timeout=3600)
    marker.write_text(spec + "\n")
    return venv


# ---------------------------------------------------------------------------------------------
# annotator

class Annotator:
    def __init__(self, exe: str, workdir: Path):
        self.exe = exe
        self.workdir = workdir
        self._help: dict[str, str] = {}

    def run(self, db: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        argv = [self.exe, "--db", str(db), *args]
        env = dict(os.environ)
        env.pop("ANNOTATOR_DB", None)
        env["ANNOTATOR_NAME"] = "importer"  # who owns records that name no annotator
        p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
        if check and p.returncode != 0:
            raise RuntimeError(f"annotator {' '.join(args)} failed ({p.returncode}):\n{p.stderr.strip()}")
        return p

    def help(self, command: str) -> str:
        if command not in self._help:
            p = subprocess.run([self.exe, command, "--help"], capture_output=True, text=True, timeout=60)
            self._help[command] = p.stdout
        return self._help[command]

    def can_export(self, fmt: str) -> bool:
        return fmt in self.help("export").replace("\n", " ")

    def export_records(self, db: Path) -> list[dict]:
        out = self.workdir / f"{db.stem}-export.jsonl"
        self.run(db, "export", "--format", "jsonl", "-o", str(out))
        return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------------
# the corpus

def _span(text: str, needle: str, label: str, nth: int = 0) -> dict:
    i = -1
    for _ in range(nth + 1):
        i = text.find(needle, i + 1)
        if i < 0:
            raise ValueError(f"{needle!r} not in {text!r}")
    return {"start": i, "end": i + len(needle), "label": label}


def tricky_records() -> list[dict]:
    """Documents whose offsets differ between code points, UTF-16 units and graphemes."""
    recs = []
    t = "😀 خبر: رجائیان در مشهد"
    recs.append({"id": "emoji-fa", "lang": "fa", "title": "emoji before Persian entities", "text": t,
                 "meta": {"source": "roundtrip", "case": "emoji"}, "annotator": "sara",
                 "spans": [_span(t, "رجائیان", "PER"), _span(t, "مشهد", "GPE")],
                 "themes": ["smart_governance"], "status": "done"})
    # the same document annotated by a second annotator: two layers on one document
    recs.append({"id": "emoji-fa", "lang": "fa", "title": "emoji before Persian entities", "text": t,
                 "meta": {"source": "roundtrip", "case": "emoji"}, "annotator": "minji",
                 "spans": [_span(t, "رجائیان", "PER")], "themes": ["public_safety"], "status": "in_progress"})
    t = "👩\u200d👩\u200d👧 가족이 대구시에서 열린 스마트시티 엑스포를 찾았다."
    recs.append({"id": "zwj-ko", "lang": "ko", "title": "ZWJ family emoji", "text": t, "annotator": "sara",
                 "spans": [_span(t, "대구시", "GPE"), _span(t, "스마트시티 엑스포", "EVENT")],
                 "themes": ["international", "economy"], "status": "done"})
    t = "🇮🇷 سامانه\u200cهای هوشمند شهرداری مشهد راه\u200cاندازی شد"
    recs.append({"id": "flag-fa", "lang": "fa", "title": "flag and ZWNJ", "text": t, "annotator": "sara",
                 "spans": [_span(t, "سامانه\u200cهای هوشمند", "LOC"), _span(t, "شهرداری مشهد", "ORG"),
                           _span(t, "مشهد", "GPE")],  # nested: the city inside the organisation's name
                 "themes": ["digital_infrastructure"], "status": "done"})
    nfc = "포항테크노파크 권혁원 과장은 𠜎 지난 18일 대구시청에서 발표했다."
    t = unicodedata.normalize("NFD", nfc)
    recs.append({"id": "nfd-ko", "lang": "ko", "title": "NFD Korean, astral CJK", "text": t, "annotator": "minji",
                 "spans": [_span(t, unicodedata.normalize("NFD", w), lab) for w, lab in
                           (("포항테크노파크", "ORG"), ("권혁원", "PER"), ("과장", "ROLE"), ("지난 18일", "DATE"),
                            ("대구시청", "LOC"))],
                 "themes": ["economy", "ai_cybersecurity"], "status": "done"})
    # Five layers and gold on one document: kim's spans overlap (a person inside an event), lee
    # marks a city inside an organisation, the model layer holds suggestions imported as predictions,
    # and the gold layer is a draft (in_progress) that must come back a draft.
    t = "😀 خبر: رجائیان در مشهد"
    more = {"kim": [_span(t, "رجائیان در مشهد", "EVENT"), _span(t, "رجائیان", "PER")],
            "lee": [_span(t, "خبر", "EVENT"), _span(t, "مشهد", "GPE")],
            "model": [_span(t, "مشهد", "LOC")]}
    for who, spans in more.items():
        recs.append({"id": "emoji-fa", "lang": "fa", "title": "emoji before Persian entities", "text": t,
                     "annotator": who, "spans": spans, "themes": [], "status": "done"})
    recs.append({"id": "emoji-fa", "lang": "fa", "title": "emoji before Persian entities", "text": t,
                 "annotator": "gold", "status": "in_progress",
                 "spans": [{**_span(t, "رجائیان", "PER"), "proposed_by": ["sara", "minji", "kim"]}], "themes": []})
    t = "👩\u200d👩\u200d👧 가족이 대구시에서 열린 스마트시티 엑스포를 찾았다."
    recs.append({"id": "zwj-ko", "lang": "ko", "title": "ZWJ family emoji", "text": t, "annotator": "kim",
                 "spans": [_span(t, "대구시에서 열린 스마트시티 엑스포", "EVENT"), _span(t, "대구시", "GPE")],
                 "themes": ["economy"], "status": "done"})
    recs.append({"id": "zwj-ko", "lang": "ko", "title": "ZWJ family emoji", "text": t, "annotator": "gold",
                 "status": "adjudicated", "themes": ["economy"],
                 "spans": [{**_span(t, "대구시", "GPE"), "proposed_by": ["sara", "kim"], "decided_by": "lead"}]})
    return recs


# Spans made through the peer's API (what a person would mark in its editor), in code points of
# the document text as the peer shows it: (needle, label, nth occurrence). Themes as ticked.
API_PLAN_TRICKY = {
    "emoji-fa": ([("خبر", "EVENT", 0)], ["smart_governance", "international"]),
    "zwj-ko": ([("가족", "PER", 0), ("찾았다", "EVENT", 0)], ["economy"]),
    "flag-fa": ([("راه\u200cاندازی", "EVENT", 0), ("هوشمند", "ORG", 0)], ["digital_infrastructure", "mobility"]),
    "nfd-ko": ([("발표", "EVENT", 0), ("18일", "DATE", 0)], ["economy"]),
}
API_CANDIDATES_SEED = [("مشهد", "GPE"), ("سمنان", "GPE"), ("کرمان", "GPE"), ("مدیرعامل", "ROLE"),
                       ("대구시", "GPE"), ("포항시", "GPE"), ("포항테크노파크", "ORG"), ("권혁원", "PER"),
                       ("استاندار", "ROLE"), ("스마트시티 엑스포 월드 콩그레스", "EVENT")]


def api_plan(doc_id: str, text: str) -> tuple[list[tuple[int, int, str]], list[str]]:
    """Spans (code points) and themes to make through the peer's API for one document."""
    if doc_id in API_PLAN_TRICKY:
        needles, themes = API_PLAN_TRICKY[doc_id]
    else:
        needles = []
        for w, lab in API_CANDIDATES_SEED:
            if w in text:
                needles.append((w, lab, 0))
                if text.count(w) > 1:
                    needles.append((w, lab, text.count(w) - 1))  # far into the article too
        needles, themes = needles[:4], ["smart_governance"]
    spans = []
    for w, lab, nth in needles:
        s = _span(text, w, lab, nth)
        spans.append((s["start"], s["end"], s["label"]))
    return spans, themes


@dataclass
class Doc:
    id: str
    text: str  # as annotator stores it (NFC)
    title: str = ""
    lang: str = ""
    layers: dict = field(default_factory=dict)  # annotator -> {"spans": set, "themes": set}

    def spans(self) -> set:
        out = set()
        for layer in self.layers.values():
            out |= layer["spans"]
        return out

    def themes(self) -> set:
        out = set()
        for layer in self.layers.values():
            out |= layer["themes"]
        return out


def docs_from_records(records: list[dict]) -> dict[str, Doc]:
    """annotator's jsonl export -> documents keyed by text (ids may not survive a peer)."""
    docs: dict[str, Doc] = {}
    for r in records:
        d = docs.setdefault(r["text"], Doc(r["id"], r["text"], r.get("title") or "", r.get("lang") or ""))
        who = r.get("annotator")
        if who is None:
            continue
        layer = d.layers.setdefault(who, {"spans": set(), "themes": set()})
        for s in r.get("spans") or []:
            if r["text"][s["start"]:s["end"]] != s["text"]:
                raise AssertionError(f"annotator export: span text mismatch in {r['id']}: {s}")
            layer["spans"].add((s["start"], s["end"], s["label"]))
        layer["themes"] |= set(r.get("themes") or [])
    return docs


# ---------------------------------------------------------------------------------------------
# results

@dataclass
class Row:
    peer: str
    via: str
    direction: str
    docs: int = 0
    expected: int = 0
    exact: int = 0
    themes_expected: int = 0
    themes_exact: int = 0
    note: str = ""
    layers_hit: set = field(default_factory=set)
    wrong_layer: int = 0  # spans that came back exact but in another annotator's layer
    layers: set = field(default_factory=set)  # (document, layer) expected
    layers_by_name: set = field(default_factory=set)  # of those, came back whole under the same name
    warning: str = ""  # what annotator printed about layers it could not keep apart, or overlaps dropped

    @property
    def wrong(self) -> int:
        return self.expected - self.exact + self.wrong_layer


class Report:
    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.mismatches: list[str] = []
        self.facts: list[str] = []
        self.errors: list[str] = []

    def fact(self, peer: str, msg: str) -> None:
        line = f"[{peer}] {msg}"
        self.facts.append(line)
        log("  fact: " + msg)

    def error(self, peer: str, msg: str) -> None:
        line = f"[{peer}] {msg}"
        self.errors.append(line)
        log("  ERROR: " + msg)

    def print(self) -> None:
        heads = ["peer", "via", "direction", "docs", "spans expected", "exact", "wrong/missing",
                 "layers by name", "themes exact", "warning", "note"]
        cells = [[r.peer, r.via, r.direction, str(r.docs), str(r.expected), str(r.exact), str(r.wrong),
                  f"{len(r.layers_by_name)}/{len(r.layers)}" if r.layers else "-",
                  f"{r.themes_exact}/{r.themes_expected}" if r.themes_expected else "-",
                  r.warning or "-",
                  r.note + (f"; found in layers: {', '.join(sorted(map(str, r.layers_hit)))}" if r.layers_hit else "")]
                 for r in self.rows]
        widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(heads)]
        line = "| " + " | ".join(h.ljust(w) for h, w in zip(heads, widths)) + " |"
        print()
        print(line)
        print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        for c in cells:
            print("| " + " | ".join(x.ljust(w) for x, w in zip(c, widths)) + " |")
        print()
        if self.mismatches:
            print(f"Mismatches ({len(self.mismatches)}):")
            for m in self.mismatches:
                print("  - " + m)
            print()
        if self.facts:
            print("Observed:")
            for f in self.facts:
                print("  - " + f)
            print()
        if self.errors:
            print("Errors:")
            for e in self.errors:
                print("  - " + e)
            print()


def show(text: str, s: int, e: int) -> str:
    return repr(text[s:e]) if 0 <= s <= e <= len(text) else f"<out of range {s}:{e}>"


def compare_docs(report: Report, row: Row, expected: dict[str, Doc], got: dict[str, Doc],
                 spans_of=lambda d: d.spans(), themes_of=lambda d: d.themes(), check_themes: bool = True,
                 id_of=lambda d: d.id, check_layers: bool = False, by_name: bool = False) -> None:
    """Expected spans (code points over annotator's text) against what came back, by document text.
    With ``check_layers`` a span counts only in the layer (annotator) it was expected in; with
    ``by_name`` (or it) the row counts the layers that came back whole under their own name."""
    for text, want in expected.items():
        if not (by_name or check_layers):
            break
        have_doc = got.get(text)
        for name, layer in want.layers.items():
            if not layer["spans"]:
                continue
            row.layers.add((want.id, name))
            if have_doc is not None and layer["spans"] <= have_doc.layers.get(name, {"spans": set()})["spans"]:
                row.layers_by_name.add((want.id, name))
    if check_layers:
        row.note += "; layers checked"
        for text, want in expected.items():
            have_doc = got.get(text)
            for name, layer in want.layers.items():
                found = have_doc.layers.get(name, {"spans": set()})["spans"] if have_doc else set()
                for s, e, lab in sorted(layer["spans"] - found):
                    report.mismatches.append(f"{row.peer}/{row.via} {row.direction}: {want.id} {lab} [{s},{e}) "
                                             f"{show(text, s, e)} not in {name}'s layer")
                    row.wrong_layer += 1
    for text, want in expected.items():
        exp = spans_of(want)
        exp_t = themes_of(want) if check_themes else set()
        if not exp and not exp_t:
            continue
        row.docs += 1
        row.expected += len(exp)
        have_doc = got.get(text)
        if have_doc is None:
            report.mismatches.append(f"{row.peer}/{row.via} {row.direction}: document {want.id} missing "
                                     f"({len(exp)} spans)")
            if exp_t:
                row.themes_expected += 1
            continue
        have = have_doc.spans()
        for s, e, lab in sorted(exp):
            if (s, e, lab) in have:
                row.exact += 1
                row.layers_hit |= {n for n, layer in have_doc.layers.items() if (s, e, lab) in layer["spans"]}
                continue
            near = sorted((abs(hs - s) + abs(he - e), hs, he, hl) for hs, he, hl in have if hl == lab)
            hint = ""
            if near:
                _, hs, he, hl = near[0]
                hint = f"; nearest {hl} [{hs},{he}) {show(text, hs, he)}"
            report.mismatches.append(f"{row.peer}/{row.via} {row.direction}: {want.id} {lab} [{s},{e}) "
                                     f"{show(text, s, e)} not found{hint}")
        if exp_t:
            row.themes_expected += 1
            have_t = have_doc.themes()
            if exp_t <= have_t:
                row.themes_exact += 1
            else:
                report.mismatches.append(f"{row.peer}/{row.via} {row.direction}: {want.id} themes "
                                         f"{sorted(exp_t)} -> {sorted(have_t)}")


def said(summary: str, *words: str) -> str:
    """The first line of annotator's output holding one of ``words`` (a warning), shortened."""
    for line in summary.splitlines():
        at = min((line.lower().find(w) for w in words if w in line.lower()), default=-1)
        if at >= 0:
            line = line.strip()
            at = max(0, line.lower().find(line.lower()[at:at + 8]) - 40)
            part = line[at:at + 90]
            return ("..." if at else "") + part + ("..." if at + 90 < len(line) else "")
    return ""


def import_back(ann: Annotator, workdir: Path, name: str, path: Path, fmt: str, extra: list[str] = ()) \
        -> tuple[dict[str, Doc] | None, str]:
    """Import a peer's export into a fresh annotator database; its documents and annotator's summary."""
    db = workdir / f"back-{name}.db"
    if db.exists():
        db.unlink()
    p = ann.run(db, "import", "--format", fmt, *extra, str(path), check=False)
    summary = (p.stdout + p.stderr).strip()
    if p.returncode != 0:
        return None, summary
    return docs_from_records(ann.export_records(db)), summary


# ---------------------------------------------------------------------------------------------
# relations (issue 25): a Persian and a Korean document from seeds/ (000_…, 002_…), an emoji
# before their spans, out to a peer, back out of its own export and in again

REL_FA = ("📰 مدیرعامل سازمان فاوا شهرداری مشهد گفت: مشهد در هشتمین دوره کنفرانس بینالمللی شهرهای هوشمند "
          "بخارست که در کشور رومانی برگزار میشود، شرکت میکند.")
REL_KO = "🎉 대구시 성공적인 방역정책 ‘스마트시티 엑스포 월드 콩그레스(SCEWC)’에서 발표"


def relation_records() -> list[dict]:
    """A ROLE -> ORG -> GPE chain and more (sara, Persian) and 대구시 participates_in the expo (minji,
    and the model layer: Label Studio's predictions)."""
    fa = [("r", "مدیرعامل", "ROLE", 0), ("o", "سازمان فاوا شهرداری مشهد", "ORG", 0), ("g", "مشهد", "GPE", 1),
          ("e", "هشتمین دوره کنفرانس بینالمللی شهرهای هوشمند بخارست", "EVENT", 0), ("c", "رومانی", "GPE", 0)]
    ko = [("city", "대구시", "GPE", 0), ("expo", "스마트시티 엑스포 월드 콩그레스", "EVENT", 0)]

    def spans(text: str, plan: list) -> list[dict]:
        return [{"id": key, **_span(text, needle, label, nth)} for key, needle, label, nth in plan]

    fa_rel = [("r", "o", "role_in"), ("o", "g", "located_in"), ("g", "e", "participates_in"), ("e", "c", "located_in")]
    ko_rel = [("city", "expo", "participates_in")]
    out = [{"id": "rel-fa", "lang": "fa", "text": REL_FA, "annotator": "sara", "status": "done",
            "spans": spans(REL_FA, fa), "relations": [{"from": a, "to": b, "label": t} for a, b, t in fa_rel]}]
    for who in ("minji", "model"):
        out.append({"id": "rel-ko", "lang": "ko", "text": REL_KO, "annotator": who, "status": "done",
                    "spans": spans(REL_KO, ko), "relations": [{"from": a, "to": b, "label": t} for a, b, t in ko_rel]})
    return out


def relations_db(args, ann: Annotator, wd: Path) -> Path:
    """A database of relation_records() only (its own, so the span rows above stay as they were)."""
    db = wd / "relations-source.db"
    if not db.exists():
        src = wd / "relations.jsonl"
        src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in relation_records()), encoding="utf-8")
        ann.run(db, "import", str(src))
    return db


def relation_set(records: list[dict], layers: bool = True) -> set:
    """(text, layer, from span, to span, type) of every relation in annotator's jsonl export; spans
    as (start, end, label) in code points; the layer None where the peer keeps no names."""
    out = set()
    for r in records:
        spans = {s["id"]: (s["start"], s["end"], s["label"]) for s in r.get("spans") or [] if "id" in s}
        for rel in r.get("relations") or []:
            out.add((r["text"], r.get("annotator") if layers else None, spans[rel["from"]], spans[rel["to"]],
                     rel["label"]))
    return out


def relation_row(report: Report, peer: str, via: str, direction: str, want: set, got: set, note: str = "") -> None:
    """A row like the span rows, counting relations: exact when both ends and the type came back."""
    row = Row(peer, "relations: " + via, direction, docs=len({w[0] for w in want}), expected=len(want),
              exact=len(want & got), note=("counts are relations; " + note).strip("; "))
    for text, layer, a, b, kind in sorted(want - got, key=str):
        report.mismatches.append(f"{peer}/{row.via} {direction}: {kind} {show(text, *a[:2])} -> "
                                 f"{show(text, *b[:2])} ({layer or 'any layer'}) not found")
    report.rows.append(row)


def import_relations_back(ann: Annotator, wd: Path, name: str, path: Path, fmt: str,
                          layers: bool = True) -> tuple[set | None, str]:
    """A peer's export imported into a fresh database, its relations read back (None: refused)."""
    db = wd / f"back-{name}.db"
    if db.exists():
        db.unlink()
    p = ann.run(db, "import", "--format", fmt, str(path), check=False)
    summary = (p.stdout + p.stderr).strip()
    (wd / f"import-{name}.log").write_text(summary, encoding="utf-8")
    if p.returncode != 0:
        return None, summary
    return relation_set(ann.export_records(db), layers), summary


# ---------------------------------------------------------------------------------------------
# Label Studio

def ls_label_config(schema: dict, labels_name: str = "ner") -> str:
    def esc(s: str) -> str:
        return s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    labels = "\n".join(f'    <Label value="{esc(x["name"])}" background="{esc(x.get("colour") or "#888888")}"/>'
                       for x in schema["labels"])
    themes = "\n".join(f'    <Choice value="{esc(x["name"])}"/>' for x in schema["themes"])
    relations = "".join(f'    <Relation value="{esc(x["name"])}"/>\n' for x in schema.get("relations") or [])
    return (f'<View>\n  <Labels name="{labels_name}" toName="text">\n{labels}\n  </Labels>\n'
            f'  <Text name="text" value="$text"/>\n'
            f'  <Choices name="theme" toName="text" choice="multiple">\n{themes}\n  </Choices>\n'
            + (f'  <Relations>\n{relations}  </Relations>\n' if relations else "") + '</View>\n')


def ls_rid() -> str:
    return "".join(random.choice(string.ascii_letters + string.digits) for _ in range(10))


def ls_result_span(text: str, s: int, e: int, label: str, from_name: str = "ner") -> dict:
    """One region as Label Studio's editor stores it: code points, with the covered text."""
    return {"id": ls_rid(), "from_name": from_name, "to_name": "text", "type": "labels", "origin": "manual",
            "value": {"start": s, "end": e, "text": text[s:e], "labels": [label]}}


def ls_result_themes(themes: list[str]) -> dict:
    return {"id": ls_rid(), "from_name": "theme", "to_name": "text", "type": "choices", "origin": "manual",
            "value": {"choices": list(themes)}}


def ls_standin_tasks(records: list[dict]) -> list[dict]:
    """A hand-built Label Studio task list from annotator's jsonl, used only while annotator has
    no `export --format labelstudio`: one task per document, one annotation per layer, code points."""
    tasks: dict[str, dict] = {}
    for r in records:
        t = tasks.setdefault(r["id"], {"data": {"text": r["text"], "id": r["id"], "title": r.get("title"),
                                                "lang": r.get("lang"), "meta": r.get("meta") or {}},
                                       "annotations": []})
        if r.get("annotator") is None:
            continue
        result = [ls_result_span(r["text"], s["start"], s["end"], s["label"]) for s in r.get("spans") or []]
        if r.get("themes"):
            result.append(ls_result_themes(r["themes"]))
        t["annotations"].append({"result": result, "ground_truth": False})
    return list(tasks.values())


def ls_doc_id(task: dict) -> str:
    data = task.get("data") or {}
    return str(data.get("doc_id", data.get("id", task.get("id"))))


def ls_docs_from_export(tasks: list[dict], labels_name: str = "ner") -> dict[str, Doc]:
    """Label Studio JSON export read in its own units (code points), checked against value.text and
    against the project's control names (a region whose from_name is not the project's Labels is
    not shown by the editor and is left out of JSON_MIN)."""
    docs: dict[str, Doc] = {}
    for t in tasks:
        text = t["data"].get("text", "")
        d = docs.setdefault(text, Doc(ls_doc_id(t), text))
        for a in (t.get("annotations") or []) + [x for x in t.get("predictions") or [] if isinstance(x, dict)]:
            who = a.get("completed_by", f"prediction {a.get('model_version')}")
            who = who.get("email") if isinstance(who, dict) else who
            layer = d.layers.setdefault(f"ls-annotation-{a['id']}({who})", {"spans": set(), "themes": set()})
            for r in a.get("result") or []:
                v = r.get("value") or {}
                if r.get("type") == "labels":
                    s, e = v["start"], v["end"]
                    if r.get("from_name") != labels_name or r.get("to_name") != "text":
                        for lab in v.get("labels", []):
                            layer["spans"].add((s, e, f"{lab} (from_name={r.get('from_name')!r})"))
                        continue
                    if "text" in v and text[s:e] != v["text"]:
                        layer["spans"].add((s, e, "TEXT-MISMATCH:" + ",".join(v.get("labels", []))))
                        continue
                    for lab in v.get("labels", []):
                        layer["spans"].add((s, e, lab))
                elif r.get("type") == "choices":
                    layer["themes"] |= set(v.get("choices", []))
    return docs


def run_labelstudio(args, ann: Annotator, report: Report, procs: Procs, src_records: list[dict], schema: dict,
                    workdir: Path) -> None:
    peer = "labelstudio"
    venv = ensure_venv(peer, args.cache)
    wd = workdir / peer
    wd.mkdir()
    data_dir = wd / "data"
    port = free_port()
    env = dict(os.environ)
    env.update({
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
        # check_for_the_latest_version() (a PyPI request at import) is skipped for this web server value;
        # it changes nothing else in 1.23.2 (core/utils/common.py)
        "LABEL_STUDIO_APP_WEBSERVER": "uwsgi",
        "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "",  # label_studio.py defaults both to sentry.io
        "COLLECT_ANALYTICS": "false",
        "FEATURE_FLAGS_OFFLINE": "true",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
        "LOG_LEVEL": "WARNING",
    })
    argv = [str(venv / "bin" / "label-studio"), "start", "--no-browser",
            "--internal-host", "127.0.0.1",  # its default is 0.0.0.0
            "-p", str(port), "--data-dir", str(data_dir),
            "--username", LS_ADMIN, "--password", LS_PASSWORD, "--user-token", LS_TOKEN,
            "--enable-legacy-api-token", "--log-level", "WARNING"]
    p = procs.start("label-studio", argv, env, wd / "label-studio.log")
    http = Http(f"http://127.0.0.1:{port}", {"Authorization": f"Token {LS_TOKEN}"})
    version = wait_until("Label Studio answering", lambda: http.call("GET", "/api/version"), START_TIMEOUT, p, 2)
    log(f"  Label Studio {version.get('release')} on 127.0.0.1:{port}; listening: "
        f"{', '.join(listening_addresses([p.pid]))}")
    who = http.call("GET", "/api/current-user/whoami")
    admin_id = who["id"]

    config = ls_label_config(schema, args.ls_labels_name)
    project = http.call("POST", "/api/projects", {"title": "annotator round trip", "label_config": config})
    pid = project["id"]

    # --- annotator -> Label Studio
    if ann.can_export("labelstudio"):
        tasks_file = wd / "tasks.json"
        (wd / "project.xml").write_text(config, encoding="utf-8")  # the project's own config names the controls
        ann.run(args.src_db, "export", "--format", "labelstudio", *args.untouched, "--labelstudio-config",
                str(wd / "project.xml"), "-o", str(tasks_file))
        via = "annotator export --format labelstudio --labelstudio-config"
        for side in wd.glob("tasks*.xml"):
            ctl = [line.strip() for line in side.read_text().splitlines() if line.strip().startswith(("<Labels", "<Choices"))]
            report.fact(peer, f"annotator wrote {side.name} beside the tasks with {ctl}; the project here uses "
                              f'<Labels name="{args.ls_labels_name}">')
    else:
        tasks_file = wd / "tasks-standin.json"
        tasks_file.write_text(json.dumps(ls_standin_tasks(src_records), ensure_ascii=False), encoding="utf-8")
        via = "stand-in tasks (annotator has no --format labelstudio yet)"
        report.fact(peer, "annotator export has no --format labelstudio: used a task list built by this script")
    content = tasks_file.read_bytes()
    try:
        res = http.call("POST", f"/api/projects/{pid}/import", files={"file": (tasks_file.name, content)})
    except HttpError as e:
        report.error(peer, f"import of {tasks_file.name} refused: HTTP {e.status}: {e.body[:1500]}")
        tasks = json.loads(content)
        for t in tasks:
            for a in t.get("annotations") or []:
                a.pop("completed_by", None)
        content = json.dumps(tasks, ensure_ascii=False).encode()
        via += " (retried without completed_by)"
        res = http.call("POST", f"/api/projects/{pid}/import", files={"file": (tasks_file.name, content)})
    report.fact(peer, f"import of {tasks_file.name}: task_count={res.get('task_count')} "
                      f"annotation_count={res.get('annotation_count')} prediction_count={res.get('prediction_count')}")

    exported = http.call("GET", f"/api/projects/{pid}/export?exportType=JSON&download_all_tasks=true")
    for t in exported:  # the quick export lists predictions by id: read them through the API
        t["predictions"] = [http.call("GET", f"/api/predictions/{x}/") if isinstance(x, int) else x
                            for x in t.get("predictions") or []]
    (wd / "after-import.json").write_text(json.dumps(exported, ensure_ascii=False, indent=1), encoding="utf-8")
    peer_docs = ls_docs_from_export(exported, args.ls_labels_name)
    expected = docs_from_records(src_records)
    row = Row(peer, "import " + tasks_file.name, "annotator→peer", note=via)
    compare_docs(report, row, expected, peer_docs)
    report.rows.append(row)
    ids_kept = sum(1 for t in exported if ls_doc_id(t) in {r["id"] for r in src_records})
    keys = sorted({k for t in exported for k in t["data"]})
    report.fact(peer, f"after import: {len(exported)} tasks, data keys {keys}, document id kept on {ids_kept}; "
                      f"task meta {sorted({json.dumps(t.get('meta')) for t in exported})[:3]}; annotation keys "
                      f"{sorted({k for t in exported for a in t.get('annotations', []) for k in a})}; from_name "
                      f"values {sorted({r.get('from_name') for t in exported for a in t.get('annotations', []) for r in a.get('result', [])})}")

    # --- new annotations through the API, as the editor stores them
    api_expected: dict[str, Doc] = {}
    for t in exported:
        text = t["data"]["text"]
        doc_id = ls_doc_id(t)
        spans, themes = api_plan(doc_id, text)
        if not spans:
            continue
        result = [ls_result_span(text, s, e, lab, args.ls_labels_name) for s, e, lab in spans]
        result.append(ls_result_themes(themes))
        http.call("POST", f"/api/tasks/{t['id']}/annotations/", {"result": result, "lead_time": 12.5,
                                                                   "was_cancelled": False, "ground_truth": False})
        d = Doc(doc_id, text)
        d.layers["api"] = {"spans": set(spans), "themes": set(themes)}
        api_expected[text] = d
    log(f"  made annotations through the API on {len(api_expected)} tasks")

    # --- Label Studio -> annotator: JSON and JSON_MIN, as its Export button gives them, and the
    # snapshot export (completed_by expanded to the user's id and email), which must name each
    # person as JSON does (one person, one layer)
    snapshot = http.call("POST", f"/api/projects/{pid}/exports", {
        "title": "snapshot", "serialization_options": {"annotations__completed_by": {"only_id": False},
                                                       "predictions": {"only_id": False}}})
    wait_until("snapshot", lambda: http.call("GET", f"/api/projects/{pid}/exports/{snapshot['id']}")["status"]
               == "completed", 60)
    layer_names: dict[str, list[str]] = {}
    for fmt in ("JSON", "JSON_MIN", "snapshot JSON"):
        if fmt == "snapshot JSON":
            raw = http.call("GET", f"/api/projects/{pid}/exports/{snapshot['id']}/download?exportType=JSON",
                            raw=True)
        else:
            raw = http.call("GET", f"/api/projects/{pid}/export?exportType={fmt}", raw=True)
        path = wd / f"export-{fmt.replace(' ', '-')}.json"
        path.write_bytes(raw)
        data = json.loads(raw)
        if fmt == "JSON":
            cb = sorted({json.dumps(a.get("completed_by")) for t in data for a in t.get("annotations", [])})
            report.fact(peer, f"JSON export: {len(data)} tasks; completed_by values {', '.join(cb)}; "
                              f"predictions field {sorted({json.dumps(t.get('predictions')) for t in data})[:3]}")
        elif fmt == "JSON_MIN":
            ann_vals = sorted({json.dumps(x.get("annotator")) for x in data})
            theme_vals = sorted({json.dumps(x.get("theme"), ensure_ascii=False) for x in data if "theme" in x})
            ids = sorted({json.dumps(x.get("id"), ensure_ascii=False) for x in data})[:6]
            report.fact(peer, f"JSON_MIN export: {len(data)} items; annotator values {', '.join(ann_vals)}; "
                              f"theme values {'; '.join(theme_vals)}; id values {', '.join(ids)}; "
                              f"keys {sorted({k for x in data for k in x})}")
        back, summary = import_back(ann, wd, f"ls-{fmt.replace(' ', '-')}", path, "labelstudio")
        (wd / f"import-{fmt.replace(' ', '-')}.log").write_text(summary, encoding="utf-8")
        if back is None:
            report.error(peer, f"annotator import --format labelstudio export-{fmt}.json failed: {summary[-1500:]}")
            for direction, exp in (("annotator→peer→annotator", expected), ("peer→annotator", api_expected)):
                r = Row(peer, f"export {fmt}", direction, note="annotator import failed")
                compare_docs(report, r, exp, {})
                report.rows.append(r)
            continue
        names = sorted({n for d in back.values() for n in d.layers})
        layer_names[fmt] = names
        warning = said(summary, "merged", "cannot keep", "one layer", "prediction")
        for direction, exp in (("annotator→peer→annotator", expected), ("peer→annotator", api_expected)):
            r = Row(peer, f"export {fmt}", direction, note=f"layers after import: {', '.join(names)}",
                    warning=warning)
            # JSON keeps annotator's layer names in each result; JSON_MIN has only Label Studio's user id.
            compare_docs(report, r, exp, back, check_layers=fmt != "JSON_MIN" and direction.startswith("annotator"),
                         by_name=direction.startswith("annotator"))
            report.rows.append(r)
        if fmt == "JSON_MIN" and not warning:
            report.error(peer, "JSON_MIN keeps no annotator apart, and annotator's import said nothing about it")
        # the snapshot carries predictions (the model layer) that the quick JSON export lists by id only
        if fmt == "snapshot JSON" and set(names) - {"model"} != set(layer_names.get("JSON") or []) - {"model"}:
            report.error(peer, f"one person, two names: JSON gave layers {layer_names.get('JSON')}, "
                               f"the snapshot export {names}")
        ids_back = sorted(d.id for d in back.values())
        report.fact(peer, f"{fmt} -> annotator: document ids {ids_back[:8]}{' ...' if len(ids_back) > 8 else ''}")

    ls_gold_round(args, ann, http, report, config, wd)
    ls_relations_round(args, ann, http, report, wd, admin_id)
    if args.probes:
        ls_probes(http, pid, admin_id, report)


def ls_relations(tasks: list[dict]) -> set:
    """Label Studio's JSON read in its own units: each relation result between two regions (code
    points, each region's text checked), named by annotator's layer key (``model`` for predictions)."""
    out = set()
    for t in tasks:
        text = t["data"].get("text", "")
        for a in (t.get("annotations") or []) + [p for p in t.get("predictions") or [] if isinstance(p, dict)]:
            results = a.get("result") or []
            values = {r["id"]: r["value"] for r in results if r.get("type") == "labels"}
            regions = {rid: (v["start"], v["end"], v["labels"][0]) for rid, v in values.items()
                       if text[v["start"]:v["end"]] == v["text"]}
            for r in results:
                if r.get("type") == "relation":
                    layer = r.get("annotator") or ("model" if a.get("model_version") else None)
                    for kind in r.get("labels") or []:
                        out.add((text, layer, regions.get(r["from_id"]), regions.get(r["to_id"]), kind))
    return out


def ls_relations_round(args, ann: Annotator, http: Http, report: Report, wd: Path, admin_id: int) -> None:
    """Relations out to a project whose config has <Relations>, back out of Label Studio's JSON and
    snapshot export and in again; and one relation made as its editor stores it."""
    peer = "labelstudio"
    db = relations_db(args, ann, wd)
    want = relation_set(ann.export_records(db))
    schema = json.loads(ann.run(db, "schema", "show", "--json").stdout)
    config = ls_label_config(schema, args.ls_labels_name)
    xml = wd / "relations-project.xml"
    xml.write_text(config, encoding="utf-8")
    pid = http.call("POST", "/api/projects", {"title": "annotator relations", "label_config": config})["id"]
    tasks_file = wd / "relations-tasks.json"
    ann.run(db, "export", "--format", "labelstudio", "--labelstudio-config", str(xml), "-o", str(tasks_file))
    http.call("POST", f"/api/projects/{pid}/import", files={"file": (tasks_file.name, tasks_file.read_bytes())})
    exported = http.call("GET", f"/api/projects/{pid}/export?exportType=JSON&download_all_tasks=true")
    for t in exported:  # the quick export lists predictions by id
        t["predictions"] = [http.call("GET", f"/api/predictions/{x}/") if isinstance(x, int) else x
                            for x in t.get("predictions") or []]
    relation_row(report, peer, "import " + tasks_file.name, "annotator→peer", want, ls_relations(exported),
                 "read from its JSON export (code points, region text checked)")
    # made in Label Studio: two regions and a relation between their ids, as the editor stores them
    ko = next(t for t in exported if t["data"]["text"] == REL_KO)
    a, b = REL_KO.index("대구시"), REL_KO.index("SCEWC")
    result = [ls_result_span(REL_KO, a, a + 3, "GPE", args.ls_labels_name),
              ls_result_span(REL_KO, b, b + 5, "EVENT", args.ls_labels_name)]
    result.append({"from_id": result[0]["id"], "to_id": result[1]["id"], "type": "relation", "direction": "right",
                   "labels": ["participates_in"]})
    http.call("POST", f"/api/tasks/{ko['id']}/annotations/", {"result": result, "was_cancelled": False,
                                                                "ground_truth": False})
    made = {(REL_KO, f"ls-{admin_id}", (a, a + 3, "GPE"), (b, b + 5, "EVENT"), "participates_in")}
    snapshot = http.call("POST", f"/api/projects/{pid}/exports", {
        "title": "relations", "serialization_options": {"annotations__completed_by": {"only_id": False},
                                                        "predictions": {"only_id": False}}})
    wait_until("snapshot", lambda: http.call("GET", f"/api/projects/{pid}/exports/{snapshot['id']}")["status"]
               == "completed", 60)
    for fmt in ("JSON", "snapshot JSON"):
        url = (f"/api/projects/{pid}/exports/{snapshot['id']}/download?exportType=JSON" if fmt == "snapshot JSON"
               else f"/api/projects/{pid}/export?exportType=JSON")
        path = wd / f"relations-export-{fmt.replace(' ', '-')}.json"
        path.write_bytes(http.call("GET", url, raw=True))
        got, summary = import_relations_back(ann, wd, f"ls-relations-{fmt.replace(' ', '-')}", path, "labelstudio")
        if got is None:
            report.error(peer, f"annotator import of {path.name} failed: {summary[-800:]}")
        # the quick JSON lists predictions by id only: the model layer's relations come with the snapshot
        exp = want if fmt == "snapshot JSON" else {w for w in want if w[1] != "model"}
        note = "layers by name" + ("" if fmt == "snapshot JSON" else "; the model layer only in the snapshot")
        relation_row(report, peer, f"export {fmt}", "annotator→peer→annotator", exp, got or set(), note)
        relation_row(report, peer, f"export {fmt}", "peer→annotator", made, got or set(), "layer by name")


def gold_records(ann: Annotator, db: Path, name: str) -> dict[str, dict]:
    """The gold layer of ``db`` as annotator's jsonl export writes it, by document text."""
    out = ann.workdir / f"{name}-gold.jsonl"
    ann.run(db, "export", "--gold", "--format", "jsonl", "-o", str(out))
    return {r["text"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines()) if r}


def ls_gold_round(args, ann: Annotator, http: Http, report: Report, config: str, wd: Path) -> None:
    """The gold layer (one draft, one adjudicated) to a project of its own and back: spans exact,
    each document's status as it was."""
    peer = "labelstudio"
    want = gold_records(ann, args.src_db, "source")
    project = http.call("POST", "/api/projects", {"title": "annotator gold", "label_config": config})
    tasks_file = wd / "gold-tasks.json"
    ann.run(args.src_db, "export", "--format", "labelstudio", "--gold", "--labelstudio-config",
            str(wd / "project.xml"), "-o", str(tasks_file))
    http.call("POST", f"/api/projects/{project['id']}/import", files={"file": (tasks_file.name, tasks_file.read_bytes())})
    path = wd / "gold-export-JSON.json"
    path.write_bytes(http.call("GET", f"/api/projects/{project['id']}/export?exportType=JSON", raw=True))
    db = wd / "back-gold.db"
    p = ann.run(db, "import", "--format", "labelstudio", str(path), check=False)
    row = Row(peer, "export JSON (gold)", "annotator→peer→annotator")
    got = gold_records(ann, db, "back") if p.returncode == 0 else {}
    kept = 0
    for text, r in want.items():
        spans = {(x["start"], x["end"], x["label"]) for x in r.get("spans") or []}
        back = got.get(text) or {}
        have = {(x["start"], x["end"], x["label"]) for x in back.get("spans") or []}
        row.docs += 1
        row.expected += len(spans)
        row.exact += len(spans & have)
        row.layers.add((r["id"], "gold"))
        if spans <= have:
            row.layers_by_name.add((r["id"], "gold"))
        if back.get("status") == r.get("status"):
            kept += 1
        else:
            report.mismatches.append(f"{peer}/gold: {r['id']} status {r.get('status')!r} came back "
                                     f"{back.get('status')!r}")
    row.note = f"statuses kept {kept}/{len(want)}" + ("" if p.returncode == 0 else f"; import failed: {p.stderr[-300:]}")
    report.rows.append(row)


def ls_probes(http: Http, pid: int, admin_id: int, report: Report) -> None:
    """What Label Studio does with task fields annotator might write (each probe is one import)."""
    peer = "labelstudio"
    text = "😀 probe: رجائیان در مشهد"
    s = text.find("رجائیان")
    res = [ls_result_span(text, s, s + 7, "PER")]
    user = http.call("POST", "/api/users/", {"email": "sara@example.com", "username": "sara", "first_name": "sara"})
    probes = {
        "completed_by as a string email of a member": {"completed_by": "sara@example.com"},
        "completed_by as a name": {"completed_by": "sara"},
        "completed_by as {email} of a member": {"completed_by": {"email": "sara@example.com"}},
        "completed_by as {email} unknown": {"completed_by": {"email": "nobody@example.com"}},
        "completed_by as an unknown id": {"completed_by": 999},
        "completed_by as a member's id": {"completed_by": user["id"]},
        "no completed_by": {},
    }
    for name, extra in probes.items():
        task = {"data": {"text": text, "id": f"probe-{len(name)}", "meta": {"k": 1}, "title": "t", "lang": "fa"},
                "annotations": [{"result": res, **extra,
                                 "meta": {"annotator": "sara"}, "created_username": "sara"}]}
        try:
            r = http.call("POST", f"/api/projects/{pid}/import", [task])
            report.fact(peer, f"probe {name}: accepted ({r.get('annotation_count')} annotation)")
        except HttpError as e:
            try:
                msg = json.loads(e.body).get("validation_errors")
            except ValueError:
                msg = e.body[:300]
            report.fact(peer, f"probe {name}: HTTP {e.status} {json.dumps(msg, ensure_ascii=False)}")
    task = {"data": {"text": text, "id": "probe-pred"},
            "predictions": [{"model_version": "annotator-sara", "score": 0.5, "result": res}]}
    try:
        r = http.call("POST", f"/api/projects/{pid}/import", [task])
        report.fact(peer, f"probe predictions with model_version: prediction_count={r.get('prediction_count')}")
    except HttpError as e:
        report.fact(peer, f"probe predictions: HTTP {e.status} {e.body[:300]}")
    exp = http.call("POST", f"/api/projects/{pid}/exports", {
        "title": "probe", "serialization_options": {"annotations__completed_by": {"only_id": False},
                                                     "predictions": {"only_id": False}}})
    wait_until("snapshot", lambda: http.call("GET", f"/api/projects/{pid}/exports/{exp['id']}")["status"]
               == "completed", 60)
    data = json.loads(http.call("GET", f"/api/projects/{pid}/exports/{exp['id']}/download?exportType=JSON", raw=True))
    for t in data:
        if not str(t["data"].get("id", "")).startswith("probe"):
            continue
        for a in t.get("annotations", []):
            report.fact(peer, f"snapshot export (completed_by expanded): completed_by={json.dumps(a['completed_by'])}"
                              f" annotation keys kept: {sorted(k for k in a if k in ('meta', 'created_username'))}")
            break
        for pr in t.get("predictions", []):
            if isinstance(pr, dict):
                report.fact(peer, f"snapshot export: prediction model_version={pr.get('model_version')!r}")
    mn = json.loads(http.call("GET", f"/api/projects/{pid}/exports/{exp['id']}/download?exportType=JSON_MIN",
                              raw=True))
    report.fact(peer, "snapshot JSON_MIN annotator values: "
                + ", ".join(sorted({json.dumps(x.get('annotator')) for x in mn})))


# ---------------------------------------------------------------------------------------------
# doccano

def dc_lines_standin(records: list[dict], layout: str) -> list[dict]:
    """doccano JSONL built by this script from annotator's jsonl, in UTF-16 units, every line with
    the same keys; used only while annotator lacks the layout."""
    out = []
    for r in records:
        text = r["text"]
        spans = [[cp_to_utf16(text, s["start"]), cp_to_utf16(text, s["end"]), s["label"]]
                 for s in r.get("spans") or []]
        line = {"id": r["id"], "text": text}
        line["entities" if layout == "entities" else "label"] = spans
        line["cats"] = list(r.get("themes") or [])
        line["annotator"] = r.get("annotator")
        out.append(line)
    return out


def dc_doc_id(ex: dict) -> str:
    meta = ex.get("meta") or {}
    return str(meta.get("doc_id", meta.get("id", ex["id"])))


def dc_login(base: str) -> Http:
    h = Http(base)
    r = h.call("POST", "/v1/auth/login/", {"username": DC_ADMIN, "password": DC_PASSWORD})
    return Http(base, {"Authorization": f"Token {r['key']}"})


def dc_task(http: Http, task_id: str) -> dict:
    def probe():
        r = http.call("GET", f"/v1/tasks/status/{task_id}")
        return r if r.get("ready") else None
    return wait_until(f"doccano task {task_id}", probe, TASK_TIMEOUT, every=1)


def dc_import(http: Http, pid: int, task: str, name: str, content: bytes, **kw) -> dict:
    upload_id = http.call("POST", "/v1/fp/process/", files={"filepond": (name, content)})
    r = http.call("POST", f"/v1/projects/{pid}/upload", {"uploadIds": [upload_id], "format": "JSONL", "task": task,
                                                         **kw})
    return dc_task(http, r["task_id"])


def dc_examples(http: Http, pid: int) -> list[dict]:
    out, offset = [], 0
    for _ in range(1000):
        page = http.call("GET", f"/v1/projects/{pid}/examples?limit=100&offset={offset}")
        out += page["results"]
        offset += 100
        if not page.get("next"):
            break
    return out


def dc_export(http: Http, pid: int, dest: Path) -> dict[str, str]:
    r = http.call("POST", f"/v1/projects/{pid}/download", {"format": "JSONL", "exportApproved": False})
    st = dc_task(http, r["task_id"])
    if st.get("error"):
        raise RuntimeError(f"doccano export failed: {st['error']}")
    blob = http.call("GET", f"/v1/projects/{pid}/download?taskId={r['task_id']}", raw=True)
    dest.write_bytes(blob)
    z = zipfile.ZipFile(io.BytesIO(blob))
    return {n: z.read(n).decode("utf-8") for n in z.namelist()}


def run_doccano(args, ann: Annotator, report: Report, procs: Procs, src_records: list[dict], schema: dict,
                workdir: Path) -> None:
    peer = "doccano"
    venv = ensure_venv(peer, args.cache)
    wd = workdir / peer
    wd.mkdir()
    home = wd / "home"
    backend = next((venv / "lib").glob("python3*/site-packages/backend"))
    env = dict(os.environ)
    env.update({
        # what `doccano` (backend/cli.py) sets, with the data in the temporary folder
        "DOCCANO_HOME": str(home), "STANDALONE": "True", "DEBUG": "False",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": f"sqlite:///{home}/db.sqlite3", "MEDIA_ROOT": str(home / "media"),
        "SECRET_KEY": uuid.uuid4().hex,
    })
    home.mkdir()
    dbin = venv / "bin"
    for argv in ([str(dbin / "doccano"), "init"],
                 [str(dbin / "doccano"), "createuser", "--username", DC_ADMIN, "--password", DC_PASSWORD,
                  "--email", "admin@example.com"]):
        with open(wd / "setup.log", "ab") as fh:
            subprocess.run(argv, env=env, check=True, stdout=fh, stderr=subprocess.STDOUT, timeout=600)
    port = free_port()
    # `doccano webserver` binds gunicorn to 0.0.0.0 (hard-coded in backend/cli.py), so gunicorn is
    # started directly with the same application and settings, on 127.0.0.1.
    web = procs.start("doccano gunicorn", [str(dbin / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                           "--chdir", str(backend), "--capture-output", "config.wsgi"],
                      env, wd / "webserver.log")
    # the celery worker doing imports and exports (broker: the same sqlite database); listens on nothing
    worker = procs.start("doccano task", [str(dbin / "doccano"), "task", "--concurrency", "1"], env,
                         wd / "task.log")
    base = f"http://127.0.0.1:{port}"
    http = wait_until("doccano answering", lambda: dc_login(base), START_TIMEOUT, web, 2)
    log(f"  doccano on 127.0.0.1:{port}; listening: {', '.join(listening_addresses([web.pid, worker.pid]))}")

    expected_all = docs_from_records(src_records)
    # (project type, its resource, the export's layout, grapheme_mode, allow_overlapping)
    variants = [("SequenceLabeling", "SequenceLabelingProject", "label", False, True),
                ("SequenceLabeling", "SequenceLabelingProject", "label", True, True),
                ("SequenceLabeling", "SequenceLabelingProject", "label", False, False),
                ("IntentDetectionAndSlotFilling", "IntentDetectionAndSlotFillingProject", "entities", False, True)]
    for ptype, resource, key, grapheme, overlapping in variants:
        name = ptype + (" grapheme_mode" if grapheme else "") + ("" if overlapping else " no overlap")
        expected = expected_all  # this project's (replaced, never changed, where it keeps less)
        log(f"  doccano project {name}")
        body = {"name": f"annotator {name}", "description": "round trip", "guideline": "",
                "project_type": ptype, "resourcetype": resource}
        if ptype == "SequenceLabeling":
            body.update({"allow_overlapping": overlapping, "grapheme_mode": grapheme, "use_relation": False})
        project = http.call("POST", "/v1/projects", body)
        pid = project["id"]
        span_types = {}
        for lab in schema["labels"]:
            r = http.call("POST", f"/v1/projects/{pid}/span-types",
                          {"text": lab["name"], "background_color": lab.get("colour") or "#888888",
                           "text_color": "#ffffff"})
            span_types[lab["name"]] = r["id"]
        cat_types = {}
        if ptype == "IntentDetectionAndSlotFilling":
            for th in schema["themes"]:
                r = http.call("POST", f"/v1/projects/{pid}/category-types",
                              {"text": th["name"], "background_color": th.get("colour") or "#888888",
                               "text_color": "#ffffff"})
                cat_types[th["name"]] = r["id"]

        # --- annotator -> doccano
        layout = "entities" if key == "entities" else "label"
        tag = f"{ptype}{'-grapheme' if grapheme else ''}{'' if overlapping else '-exclusive'}"
        out = wd / f"annotator-{tag}.jsonl"
        export_warning = ""
        if layout == "label":
            units = ["--offsets", "graphemes"] if grapheme else []
            done = ann.run(args.src_db, "export", "--format", "doccano", *units, *args.untouched, "-o", str(out))
            via = "annotator export --format doccano" + (" --offsets graphemes" if grapheme else "")
            export_warning = said(done.stderr, "overlapping")
        elif "--doccano-layout" in ann.help("export"):
            done = ann.run(args.src_db, "export", "--format", "doccano", "--doccano-layout", "entities",
                           *args.untouched, "-o", str(out))
            via = "annotator export --format doccano --doccano-layout entities"
            # doccano's spans + categories projects refuse overlapping spans; annotator's export leaves
            # them out and says so. Expect what the file holds, and say how many were left out.
            written: dict[str, set] = {}
            for x in out.read_text(encoding="utf-8").splitlines():
                line = json.loads(x)
                written.setdefault(line["text"], set()).update(
                    (utf16_to_cp(line["text"], a), utf16_to_cp(line["text"], b), lab) for a, b, lab in line["entities"])
            left_out = 0
            expected = copy.deepcopy(expected)  # this project type only
            for text, doc in expected.items():
                for layer in doc.layers.values():
                    keep = {sp for sp in layer["spans"] if sp in written.get(text, set())}
                    left_out += len(layer["spans"]) - len(keep)
                    layer["spans"] = keep
            summary_said = next((part.strip() for part in done.stderr.split(",") if "overlapping" in part), "nothing")
            via += f" (left out {left_out} overlapping; its summary: {summary_said})"
        else:
            out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n"
                                   for x in dc_lines_standin(src_records, "entities")), encoding="utf-8")
            via = "stand-in file (annotator has no --doccano-layout yet)"
        kw = {"encoding": "utf_8"}  # what its upload form sends; without it doccano guesses with chardet
        if ptype == "SequenceLabeling":
            kw.update({"column_data": "text", "column_label": "label"})
        st = dc_import(http, pid, ptype, out.name, out.read_bytes(), **kw)
        problems = (st.get("error") or {}).get("text") or (st.get("result") or {}).get("error")
        if problems:
            report.error(peer, f"{name}: import of {out.name} ({via}) failed: {json.dumps(problems, ensure_ascii=False)[:1500]}")
            lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines() if x.strip()]
            keys = sorted({k for x in lines for k in x})
            fixed = "".join(json.dumps({k: x.get(k) for k in keys}, ensure_ascii=False) + "\n" for x in lines)
            st = dc_import(http, pid, ptype, out.name, fixed.encode("utf-8"), **kw)
            via += " (retried with every line given the same keys)"
            problems = (st.get("error") or {}).get("text") or (st.get("result") or {}).get("error")
            if problems:
                report.error(peer, f"{name}: retry failed too: {json.dumps(problems, ensure_ascii=False)[:800]}")
        examples = dc_examples(http, pid)
        report.fact(peer, f"{name}: {len(examples)} examples after import; meta keys "
                          f"{sorted({k for e in examples for k in (e.get('meta') or {})})}")
        # read back in doccano's units (UTF-16, or graphemes in grapheme_mode: not checked here)
        peer_docs: dict[str, Doc] = {}
        type_name = {v: k for k, v in span_types.items()}
        cat_name = {v: k for k, v in cat_types.items()}
        for ex in examples:
            text = ex["text"]
            d = peer_docs.setdefault(text, Doc(dc_doc_id(ex), text))
            layer = d.layers.setdefault("doccano", {"spans": set(), "themes": set()})
            for sp in http.call("GET", f"/v1/projects/{pid}/examples/{ex['id']}/spans"):
                s, e = utf16_to_cp(text, sp["start_offset"]), utf16_to_cp(text, sp["end_offset"])
                if s is None or e is None:  # inside a surrogate pair
                    layer["spans"].add((-sp["start_offset"], -sp["end_offset"], type_name.get(sp["label"], "?")))
                else:
                    layer["spans"].add((s, e, type_name.get(sp["label"], "?")))
            if cat_types:
                for c in http.call("GET", f"/v1/projects/{pid}/examples/{ex['id']}/categories"):
                    layer["themes"].add(cat_name.get(c["label"], "?"))
        if not grapheme:
            row = Row(peer, f"{name} import", "annotator→peer", note=via + "; read as UTF-16 units",
                      warning=export_warning)
            compare_docs(report, row, expected, peer_docs, check_themes=bool(cat_types))
            report.rows.append(row)
            if row.wrong and not export_warning:
                report.error(peer, f"{name}: doccano dropped {row.wrong} spans and annotator's export said nothing")
            if not overlapping and export_warning:
                # doccano drops overlapping spans here, and annotator said so before the upload: from
                # now on expect what doccano kept (the row above counts what it dropped)
                expected = copy.deepcopy(expected)
                for text, doc in expected.items():
                    kept = peer_docs.get(text).spans() if text in peer_docs else set()
                    for layer in doc.layers.values():
                        layer["spans"] &= kept
                row.note += f"; doccano dropped {row.wrong} overlapping (warned before the upload)"

        # --- new spans through the API, in UTF-16 units as its editor sends them
        api_expected: dict[str, Doc] = {}
        for ex in examples:
            text = ex["text"]
            doc_id = dc_doc_id(ex)
            spans, themes = api_plan(doc_id, text)
            if not spans:
                continue
            if grapheme:
                continue  # grapheme offsets need a UAX #29 segmenter; not in the standard library
            made = []
            for s, e, lab in spans:
                try:
                    http.call("POST", f"/v1/projects/{pid}/examples/{ex['id']}/spans",
                              {"start_offset": cp_to_utf16(text, s), "end_offset": cp_to_utf16(text, e),
                               "label": span_types[lab]})
                    made.append((s, e, lab))
                except HttpError as err:  # e.g. overlapping spans in a project that does not allow them
                    report.fact(peer, f"{name}: API refused span {lab} {text[s:e]!r} on {doc_id}: "
                                      f"HTTP {err.status} {err.body[:200]}")
            spans = made
            if cat_types:
                have = {c["label"] for c in http.call("GET", f"/v1/projects/{pid}/examples/{ex['id']}/categories")}
                for th in themes:
                    if cat_types[th] in have:  # ticking a ticked category again is a 500 in doccano
                        continue
                    try:
                        http.call("POST", f"/v1/projects/{pid}/examples/{ex['id']}/categories",
                                  {"label": cat_types[th]})
                    except HttpError as err:
                        report.fact(peer, f"{name}: API refused category {th} on {doc_id}: HTTP {err.status}")
            d = Doc(doc_id, text)
            d.layers["api"] = {"spans": set(spans), "themes": set(themes) if cat_types else set()}
            api_expected[text] = d

        # --- doccano -> annotator
        files = dc_export(http, pid, wd / f"export-{tag}.zip")
        report.fact(peer, f"{name}: export zip holds {sorted(files)}; first line: "
                          f"{next(iter(files.values())).splitlines()[0][:300] if files else ''}")
        for fname, content in files.items():
            path = wd / f"export-{tag}" / fname  # doccano names each file after its member: admin.jsonl
            path.parent.mkdir(exist_ok=True)
            path.write_text(content, encoding="utf-8")
            note = ""
            if grapheme:
                # Nothing in the file names its unit: read as code points, it must be refused (with
                # the unit that fits), never imported shifted. Then imported as the person would.
                wrong_db = wd / f"back-dc-{tag}-as-codepoints.db"
                p = ann.run(wrong_db, "import", "--format", "doccano", str(path), check=False)
                told = said(p.stderr.replace(str(path), "FILE"), "--offsets graphemes")
                if p.returncode == 0:
                    report.error(peer, f"{name}: a grapheme-mode export imported as code points with exit 0")
                    note = "as code points: imported (shifted?); "
                else:
                    note = f"as code points: refused ({told or 'without naming graphemes'}); "
                    if not told:
                        report.error(peer, f"{name}: the refusal does not name the unit that fits: {p.stderr[-300:]}")
            extra = ["--offsets", "graphemes"] if grapheme else []
            back, summary = import_back(ann, wd, f"dc-{tag}", path, "doccano", extra)
            (wd / f"import-{tag}.log").write_text(summary, encoding="utf-8")
            if back is None:
                report.error(peer, f"annotator import --format doccano {path.name} failed: {summary[-1500:]}")
            names = sorted({n for d in (back or {}).values() for n in d.layers})
            note += f"layers after import: {', '.join(names)}" if back is not None else "annotator import failed"
            warning = said(summary, "merged", "cannot keep", "one layer")
            if back is not None and not warning and any(len(d.layers) > 1 for d in expected.values()):
                report.error(peer, f"{name}: doccano's export keeps no annotator apart, and annotator's import "
                                   "said nothing about it")
            rows = [("annotator→peer→annotator", expected), ("peer→annotator", api_expected)]
            for direction, exp in rows:
                if grapheme and direction == "peer→annotator":
                    continue
                r = Row(peer, f"{name} export", direction, note=note, warning=warning)
                compare_docs(report, r, exp, back or {}, check_themes=bool(cat_types),
                             by_name=direction.startswith("annotator"))
                report.rows.append(r)

    dc_relations_round(args, ann, http, report, wd)
    if args.probes:
        dc_probes(http, report)


def dc_types(http: Http, pid: int, kind: str) -> dict[int, str]:
    found = http.call("GET", f"/v1/projects/{pid}/{kind}")
    return {t["id"]: t["text"] for t in (found.get("results", []) if isinstance(found, dict) else found)}


def dc_relations_round(args, ann: Annotator, http: Http, report: Report, wd: Path) -> None:
    """A sequence-labelling project with relations (use_relation): annotator's --doccano-layout
    relations in through its JSONL(Relation) import, read back through its API in UTF-16 units,
    one relation made through the API, out of its own export and in again."""
    peer = "doccano"
    db = relations_db(args, ann, wd)
    want = relation_set(ann.export_records(db), layers=False)  # doccano keeps one member's layer
    pid = http.call("POST", "/v1/projects", {
        "name": "annotator relations", "description": "round trip", "guideline": "",
        "project_type": "SequenceLabeling", "resourcetype": "SequenceLabelingProject", "allow_overlapping": True,
        "grapheme_mode": False, "use_relation": True})["id"]
    out = wd / "annotator-relations.jsonl"
    ann.run(db, "export", "--format", "doccano", "--doccano-layout", "relations", "-o", str(out))
    st = dc_import(http, pid, "RelationExtraction", out.name, out.read_bytes(), encoding="utf_8")
    problems = (st.get("error") or {}).get("text") or (st.get("result") or {}).get("error")
    if problems:
        report.error(peer, f"relations: import of {out.name} failed: {json.dumps(problems, ensure_ascii=False)[:800]}")
    span_types, rel_types = dc_types(http, pid, "span-types"), dc_types(http, pid, "relation-types")
    kinds = {v: k for k, v in span_types.items()}
    in_peer, examples = set(), dc_examples(http, pid)
    spans_of: dict[int, dict] = {}
    for ex in examples:
        text = ex["text"]
        found = http.call("GET", f"/v1/projects/{pid}/examples/{ex['id']}/spans")
        spans = spans_of[ex["id"]] = {
            sp["id"]: (utf16_to_cp(text, sp["start_offset"]), utf16_to_cp(text, sp["end_offset"]),
                       span_types.get(sp["label"])) for sp in found}
        for rel in http.call("GET", f"/v1/projects/{pid}/examples/{ex['id']}/relations"):
            in_peer.add((text, None, spans.get(rel["from_id"]), spans.get(rel["to_id"]), rel_types.get(rel["type"])))
    relation_row(report, peer, "relation project import", "annotator→peer", want, in_peer,
                 "read through its API as UTF-16 units")
    # made in doccano: a span and a relation to it through the API, in UTF-16 units as its editor sends them
    ko = next(ex for ex in examples if ex["text"] == REL_KO)
    a, b = REL_KO.index("대구시"), REL_KO.index("SCEWC")
    city = next(k for k, v in spans_of[ko["id"]].items() if v == (a, a + 3, "GPE"))
    new = http.call("POST", f"/v1/projects/{pid}/examples/{ko['id']}/spans",
                    {"start_offset": cp_to_utf16(REL_KO, b), "end_offset": cp_to_utf16(REL_KO, b + 5),
                     "label": kinds["EVENT"]})
    kind = next(k for k, v in rel_types.items() if v == "participates_in")
    http.call("POST", f"/v1/projects/{pid}/examples/{ko['id']}/relations",
              {"from_id": city, "to_id": new["id"], "type": kind})
    made = {(REL_KO, None, (a, a + 3, "GPE"), (b, b + 5, "EVENT"), "participates_in")}
    files = dc_export(http, pid, wd / "export-relations.zip")
    report.fact(peer, f"relation project: export zip holds {sorted(files)}; first line: "
                      f"{next(iter(files.values())).splitlines()[0][:300] if files else ''}")
    for fname, content in files.items():
        path = wd / "export-relations" / fname  # named after its member: admin.jsonl
        path.parent.mkdir(exist_ok=True)
        path.write_text(content, encoding="utf-8")
        got, summary = import_relations_back(ann, wd, "dc-relations", path, "doccano", layers=False)
        if got is None:
            report.error(peer, f"annotator import --format doccano {path.name} (relations) failed: {summary[-800:]}")
        for direction, exp in (("annotator→peer→annotator", want), ("peer→annotator", made)):
            relation_row(report, peer, "relation project export", direction, exp, got or set(), "any layer")


def run_offline(peers: list[str], ann: Annotator, report: Report, src_db: Path, workdir: Path) -> None:
    """The peers without a server, through offline.py in the repository's venv; its rows join the table."""
    python = REPO / ".venv" / "bin" / "python"
    folder = workdir / "offline"
    folder.mkdir()
    p = subprocess.run([str(python if python.exists() else sys.executable), str(REPO / "scripts" / "peers" / "offline.py"),
                        "--src-db", str(src_db), "--workdir", str(folder), "--annotator", ann.exe,
                        "--peers", ",".join(peers)], capture_output=True, text=True, timeout=900)
    if p.returncode:
        report.error("offline", f"offline.py failed ({p.returncode}): {p.stderr.strip()[-800:]}")
        return
    data = json.loads(p.stdout)
    for r in data["rows"]:
        row = Row(r["peer"], r["via"], r["direction"], r["docs"], r["expected"], r["exact"], r["themes_expected"],
                  r["themes_exact"], r["note"], warning=r["warning"])
        row.layers = {("", str(i)) for i in range(r["layers"])}
        row.layers_by_name = {("", str(i)) for i in range(r["layers_by_name"])}
        report.rows.append(row)
    report.mismatches += data["mismatches"]
    report.facts += data["facts"]
    report.errors += data["errors"]


def dc_probes(http: Http, report: Report) -> None:
    peer = "doccano"
    project = http.call("POST", "/v1/projects", {
        "name": "probes", "description": "p", "guideline": "", "project_type": "SequenceLabeling",
        "resourcetype": "SequenceLabelingProject", "allow_overlapping": True, "grapheme_mode": False,
        "use_relation": False})
    pid = project["id"]
    t = "😀 خبر: رجائیان در مشهد"
    a = {"text": t, "label": [[3, 10, "PER"]], "annotator": "sara"}
    b = {"text": "plain", "label": [[0, 5, "GPE"]]}
    probes = {
        "lines with and without 'annotator'": ([a, b], {"encoding": "utf_8"}),
        "every line with 'annotator' (null on one)": ([a, {**b, "annotator": None}], {"encoding": "utf_8"}),
        "no encoding given (doccano guesses it)": ([{"text": t, "label": [[3, 10, "PER"]]}], {}),
        "label as objects {start_offset,end_offset,label}": (
            [{"text": t + " 2", "label": [{"start_offset": 3, "end_offset": 10, "label": "PER"}]}], {"encoding": "utf_8"}),
    }
    for name, (lines, kw) in probes.items():
        before = {e["id"] for e in dc_examples(http, pid)}
        content = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode("utf-8")
        st = dc_import(http, pid, "SequenceLabeling", "probe.jsonl", content, column_data="text",
                       column_label="label", **kw)
        new = [e for e in dc_examples(http, pid) if e["id"] not in before]
        texts = [e["text"][:12] for e in new]
        report.fact(peer, f"probe {name}: status error={json.dumps(st.get('error'), ensure_ascii=False)} "
                          f"result={json.dumps(st.get('result'), ensure_ascii=False)[:300]}; "
                          f"{len(new)} examples created {texts}")


# ---------------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--peers", default="labelstudio,doccano," + ",".join(OFFLINE),
                    help="comma-separated: labelstudio, doccano, " + ", ".join(OFFLINE))
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "annotator-peers",
                    help="where the peers' venvs live (default ~/.cache/annotator-peers)")
    ap.add_argument("--annotator", default=None,
                    help="annotator executable (default: the repo's .venv/bin/annotator, else annotator on PATH)")
    ap.add_argument("--seeds", type=Path, default=REPO / "seeds")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (files, logs, peer data)")
    ap.add_argument("--no-probes", dest="probes", action="store_false",
                    help="skip the probes of peer behaviour (completed_by forms, mixed JSONL keys, ...)")
    ap.add_argument("--ls-labels-name", default="ner",
                    help='name of the Labels control in the Label Studio project (default "ner")')
    args = ap.parse_args()

    exe = args.annotator or (str(REPO / ".venv" / "bin" / "annotator")
                             if (REPO / ".venv" / "bin" / "annotator").exists() else shutil.which("annotator"))
    if not exe:
        print("annotator not found: pass --annotator", file=sys.stderr)
        return 2
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    for p in peers:
        if p not in PEERS and p not in OFFLINE:
            print(f"unknown peer {p!r}", file=sys.stderr)
            return 2

    workdir = Path(tempfile.mkdtemp(prefix="annotator-peers-"))
    log(f"working folder {workdir}")
    ann = Annotator(exe, workdir)
    report = Report()
    procs = Procs()

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)

    rc = 0
    try:
        schema = json.loads(subprocess.run([exe, "schema", "show", "--json"], capture_output=True, text=True,
                                           check=True, timeout=60).stdout)
        src_db = workdir / "source.db"
        tricky = workdir / "tricky.jsonl"
        tricky.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in tricky_records()),
                          encoding="utf-8")
        p = ann.run(src_db, "import", str(args.seeds), str(tricky))
        log("  " + p.stdout.strip().replace("\n", "\n  "))
        args.src_db = src_db
        args.untouched = ["--include-untouched"] if "--include-untouched" in ann.help("export") else []
        src_records = ann.export_records(src_db)
        n_spans = sum(len(r.get("spans") or []) for r in src_records)
        log(f"source database: {len({r['id'] for r in src_records})} documents, {n_spans} spans")
        offline = [p for p in peers if p in OFFLINE]
        if offline:
            log(f"[{', '.join(offline)}] (no server: {REPO / 'scripts' / 'peers' / 'offline.py'})")
            run_offline(offline, ann, report, src_db, workdir)
        for peer in [p for p in peers if p in PEERS]:
            log(f"[{peer}]")
            try:
                (run_labelstudio if peer == "labelstudio" else run_doccano)(
                    args, ann, report, procs, src_records, schema, workdir)
            except Exception as e:  # noqa: BLE001 - report and go on with the next peer
                report.error(peer, f"stopped: {type(e).__name__}: {e}")
                traceback.print_exc()
                rc = 1
            finally:
                procs.stop_all()
    except KeyboardInterrupt:
        report.error("all", "interrupted")
        rc = 130
    finally:
        procs.stop_all()
        report.print()
        if args.keep or rc:
            print(f"files and logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if report.errors and rc == 0:
        rc = 1
    # A row passes when every span came back exact and every layer under its own name, or when
    # annotator printed a warning naming what the peer could not keep.
    if any((r.wrong or len(r.layers_by_name) < len(r.layers)) and not r.warning for r in report.rows) and rc == 0:
        rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
