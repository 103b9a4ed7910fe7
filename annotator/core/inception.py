"""Reading INCEpTION's exports: UIMA CAS XMI (through dkpro-cassis) and WebAnno TSV 3
(annotator.core.webanno_tsv), as a bare file, a folder or a zip.

What is read (docs/format.md, "INCEpTION"): ``NamedEntity`` annotations become spans labelled
with their ``value``; document-level annotations (INCEpTION's document metadata layers, types
that extend ``uima.cas.AnnotationBase`` under ``webanno.custom``) become themes, named by their
``value`` feature (or their only string feature); ``DocumentMetaData`` gives the id, title and
language. Offsets in an XMI file are Java's UTF-16 code units; cassis converts them to code
points when it loads the file, and an offset inside a surrogate pair is refused here.

Whose layer: in a project export (``annotation/<document>/<user>.zip|.xmi|.tsv``) the user's
file name; in annotator's own export (``<layer>/<document>.xmi``) the folder; otherwise the
import's annotator. ``--annotator`` given explicitly owns them all.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from annotator.core.errors import InputError

Progress = Callable[[int], None]

NAMED_ENTITY = "de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity"
METADATA = "de.tudarmstadt.ukp.dkpro.core.api.metadata.type.DocumentMetaData"
SENTENCE = "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Sentence"
TOKEN = "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Token"
THEME = "webanno.custom.Theme"  # annotator's themes, as an INCEpTION document metadata layer "Theme"
CUSTOM = "webanno.custom."
SUFFIXES = (".xmi", ".zip", ".tsv")  # files named on the command line that this module reads
TYPE_SYSTEM = "typesystem.xml"  # matched without regard to case (DKPro writes TypeSystem.xml)
INITIAL_CAS = "INITIAL_CAS"  # a project export's unannotated copy of each document: no one's layer
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_XML11 = re.compile(rb"^(\s*<\?xml[^>]*version\s*=\s*)([\"'])1\.1\2")
_UNMAPPED = re.compile(r"Not mapping (?:external|internal) offset \[(-?\d+)\]")


@dataclass
class Member:
    """One file inside what was named on the command line (a zip, a folder, or the file itself)."""

    parts: tuple[str, ...]
    read: Callable[[], bytes]

    @property
    def name(self) -> str:
        return "/".join(self.parts)


# --- what to read ------------------------------------------------------------------------------


def is_webanno_tsv(path: Path) -> bool:
    """Whether a .tsv file is WebAnno TSV (its first line says so)."""
    try:
        with path.open("rb") as handle:
            return handle.read(40).lstrip(b"\xef\xbb\xbf").startswith(b"#FORMAT=WebAnno TSV")
    except OSError:
        return False


def wanted(path: Path) -> bool:
    """A file in a folder of other files that this module reads (an .xmi, a WebAnno .tsv)."""
    suffix = path.suffix.lower()
    return suffix == ".xmi" or (suffix == ".tsv" and is_webanno_tsv(path))


def is_export_folder(folder: Path) -> bool:
    """A folder read as one INCEpTION (or annotator xmi/webanno) export: a type system or a project
    export's ``annotation`` folder at its top, or .xmi/WebAnno .tsv files and none of ours."""
    top = {child.name.lower(): child for child in folder.iterdir()}
    if TYPE_SYSTEM in top:
        return True
    if "annotation" in top and top["annotation"].is_dir() and any(
            p.suffix.lower() in SUFFIXES for p in top["annotation"].glob("*/*") if p.is_file()):
        return True  # an unpacked project export (its source/ holds .txt files too)
    files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
    return any(wanted(p) for p in files) and not any(p.suffix.lower() in (".txt", ".jsonl", ".json") for p in files)


def _zip_members(data: bytes | Path, prefix: tuple[str, ...], where: Path) -> list[Member]:
    try:
        archive = zipfile.ZipFile(data if isinstance(data, Path) else io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as err:
        raise InputError(where, f"{'/'.join(prefix) + ': ' if prefix else ''}not a readable zip ({err})") from None
    out: list[Member] = []
    for info in archive.infolist():
        if info.is_dir():
            continue
        parts = prefix + tuple(p for p in PurePosixPath(info.filename.lstrip("/")).parts if p not in ("", "."))
        if any(p.startswith(".") or p == "__MACOSX" for p in parts):
            continue
        member = Member(parts, lambda info=info: archive.read(info))
        if parts[-1].lower().endswith(".zip"):
            out.extend(_zip_members(member.read(), parts, where))
        else:
            out.append(member)
    return out


def members(path: Path) -> list[Member]:
    """The files of a zip (zips inside it opened too), of a folder, or the file itself."""
    if path.is_dir():
        found = []
        for child in sorted(path.rglob("*")):
            rel = child.relative_to(path).parts
            if not child.is_file() or any(p.startswith(".") for p in rel):
                continue
            if child.suffix.lower() == ".zip":  # a project export's annotation/<doc>/<user>.zip
                found.extend(_zip_members(child, rel, path))
            else:
                found.append(Member(rel, child.read_bytes))
        return found
    if path.suffix.lower() == ".zip":
        return _zip_members(path, (), path)
    found = [Member((path.name,), path.read_bytes)]
    for sibling in path.parent.iterdir():
        if sibling.name.lower() == TYPE_SYSTEM:
            found.append(Member((sibling.name,), sibling.read_bytes))
    return found


def _layer(parts: tuple[str, ...], member_names: bool) -> tuple[str | None, str | None]:
    """(whose layer, the document's name) as the member's place in the export says, if it does."""
    if len(parts) >= 3 and parts[0] == "annotation":
        return (_stem(parts[2]) if member_names else None), parts[1]
    if len(parts) == 2 and member_names:
        return parts[0], None
    return None, None


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else name


# --- reading -----------------------------------------------------------------------------------


def read(path: Path, progress: Progress | None = None, member_names: bool = True
         ) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """Every document in an INCEpTION export, one per document and layer: where it is in the
    export (None for a bare file) and its fields as annotator.core.reading checks them."""
    from annotator.core import webanno_tsv

    items = members(path)
    project = any(m.parts[0] == "annotation" and len(m.parts) >= 3 for m in items)
    types = {m.parts[:-1]: m for m in items if m.parts[-1].lower() == TYPE_SYSTEM}
    found = 0
    for member in items:
        suffix = member.parts[-1].lower().rsplit(".", 1)[-1]
        if suffix not in ("xmi", "tsv"):
            continue
        if project and (member.parts[0] != "annotation" or len(member.parts) < 3):
            continue  # a project export's sources, curation and serialised CASes
        if project and member.parts[2].split(".")[0] == INITIAL_CAS:
            continue
        annotator, doc_name = _layer(member.parts, member_names)
        try:
            data = member.read()
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error) as err:  # damaged, encrypted
            raise InputError(path, f"{member.name}: cannot be read from the zip ({err})") from None
        if progress:
            progress(len(data))
        where = member.name if path.is_dir() or path.suffix.lower() == ".zip" else None
        if suffix == "tsv":
            if not data.lstrip(b"\xef\xbb\xbf").startswith(b"#FORMAT=WebAnno TSV"):
                if where is None:
                    raise InputError(path, "not WebAnno TSV: its first line is not #FORMAT=WebAnno TSV 3.x")
                continue  # another tool's .tsv beside the export
            obj = webanno_tsv.parse(path, where, data)
        else:
            obj = cas_object(path, where, data, _type_system(path, member, types))
        obj.setdefault("id", doc_name or _stem(member.parts[-1]))
        if annotator is not None:
            obj["annotator"] = annotator
        found += 1
        yield where, obj
    if not found:
        raise InputError(path, "holds no UIMA CAS XMI (.xmi) or WebAnno TSV (.tsv) document to import")


def _type_system(path: Path, member: Member, types: dict[tuple[str, ...], Member]) -> Any:
    import cassis

    folder = member.parts[:-1]
    while True:
        if folder in types:
            found = types[folder]
            break
        if not folder:
            raise InputError(path, f"{member.name + ': ' if len(member.parts) > 1 else ''}no TypeSystem.xml beside "
                                   "the .xmi file (INCEpTION's XMI export holds one; import the whole zip)")
        folder = folder[:-1]
    try:
        return cassis.load_typesystem(io.BytesIO(found.read()))
    except Exception as err:  # lxml and cassis raise many kinds; all mean "not a type system"
        raise InputError(path, f"{found.name}: not a UIMA type system ({_first_line(err)})") from None


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def cas_object(path: Path, where: str | None, data: bytes, typesystem: Any) -> dict[str, Any]:
    """A document as reading.py's record fields, from one XMI file: code-point offsets (cassis
    converts UTF-16), spans from NamedEntity, themes from document-level annotations."""
    import cassis

    here = f"{where}: " if where else ""
    data = _XML11.sub(rb"\g<1>\g<2>1.0\g<2>", data, count=1)  # cassis's parser reads XML 1.0 only
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cas = cassis.load_cas_from_xmi(io.BytesIO(data), typesystem=typesystem, lenient=True)
        except Exception as err:  # XML syntax, a type the file and its type system disagree on
            raise InputError(path, f"{here}not UIMA CAS XMI ({_first_line(err)})") from None
    unmapped = [m for w in caught if (m := _UNMAPPED.search(str(w.message)))]
    text = cas.sofa_string
    if unmapped:
        offset = int(unmapped[0].group(1))
        raise InputError(path, f"{here}{_named(cas, offset)}offset {offset} is not on a character of the text in "
                               "UTF-16 code units (inside an emoji's two halves, or past the end)")
    if not text:
        raise InputError(path, f"{here}holds no text (an empty sofa)")
    ts = cas.typesystem
    obj: dict[str, Any] = {"text": text, "spans": [], "themes": []}
    if ts.contains_type(METADATA):
        for meta in cas.select(METADATA):
            doc_id = _feature(meta, "documentId") or _feature(meta, "documentTitle")
            if doc_id:
                obj["id"] = doc_id
            if _feature(meta, "documentTitle"):
                obj["title"] = _feature(meta, "documentTitle")
            lang = _feature(meta, "language")
            if lang and _LANG.match(lang) and not lang.startswith("x-"):
                obj["lang"] = lang
            break
    if ts.contains_type(NAMED_ENTITY):
        for fs in cas.select(NAMED_ENTITY):
            label = _feature(fs, "value")
            if not label:
                raise InputError(path, f"{here}NamedEntity (xmi:id {fs.xmiID}) at {text[fs.begin:fs.end]!r} has no "
                                       "value: a span needs a label")
            obj["spans"].append({"start": fs.begin, "end": fs.end, "label": label})
    for fs in cas.select_all_fs():
        name = fs.type.name
        if (name.startswith(CUSTOM) and ts.is_instance_of(name, "uima.cas.AnnotationBase")
                and not ts.is_instance_of(name, "uima.tcas.Annotation")):
            theme = _feature(fs, "value") or next((v for v in _strings(fs) if v), None)
            if theme and theme not in obj["themes"]:
                obj["themes"].append(theme)
    return obj


def _named(cas: Any, offset: int) -> str:
    """'NamedEntity (xmi:id 7): ' for the annotation an unconverted offset belongs to, if one."""
    if not cas.typesystem.contains_type(NAMED_ENTITY):
        return ""
    for fs in cas.select(NAMED_ENTITY):
        if offset in (fs.begin, fs.end):
            return f"NamedEntity (xmi:id {fs.xmiID}): "
    return ""


def _feature(fs: Any, name: str) -> str | None:
    if fs.type.get_feature(name) is None:
        return None
    value = fs.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _strings(fs: Any) -> Iterator[str]:
    for feature in fs.type.all_features:
        if feature.rangeType.name == "uima.cas.String" and feature.name != "sofa":
            value = fs.get(feature.name)
            if isinstance(value, str):
                yield value.strip()
