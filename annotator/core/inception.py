"""Reading INCEpTION's exports: UIMA CAS XMI (through dkpro-cassis) and WebAnno TSV 3
(annotator.core.webanno_tsv), as a bare file, a folder or a zip; over 400 lines, for finding an
export's files, naming their documents and layers, and checking an XMI file belong together.

What is read (docs/format.md, "INCEpTION"): ``NamedEntity`` annotations become spans labelled
with their ``value``; document-level annotations (INCEpTION's document metadata layers, types
that extend ``uima.cas.AnnotationBase`` under ``webanno.custom``) become themes, named by their
``value`` feature (or their only string feature); ``DocumentMetaData`` gives the id, title and
language. A relation layer's annotations between two NamedEntity annotations (``Governor`` and
``Dependent``, INCEpTION's relation layer attached to the named-entity layer, annotator's
``webanno.custom.Relation``) become relations typed by their ``value`` (else ``label``, else their
only string feature); one with an end that is not such an entity is refused with its line in the
file. Offsets in an XMI file are Java's UTF-16 code units: each annotation's are checked and
converted here from the file's own numbers (``_offsets``), not trusted to cassis's conversion.

Whose layer: in a project export (``annotation/<document>/<user>.zip|.xmi|.tsv``) the user's
file name; in annotator's own export (``<layer>/<document>.xmi``) the folder; otherwise the
import's annotator. ``--annotator`` given explicitly owns them all. The id: DocumentMetaData's,
else our export's ``file-names.tsv``, else the project's document folder without the ``.xmi`` or
``.tsv`` our export added, else the file's name. What is left out or merged is counted in
``Notes`` for the import's warnings.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from annotator.core.errors import InputError
from annotator.core.offsets import OffsetError, Units
from annotator.core.text import counted
from annotator.core.webanno_tsv import (DEPENDENT, GOVERNOR, NAMED_ENTITY, RELATION_LABEL, UNREAD, ZERO_WIDTH,
                                        short_type)

Progress = Callable[[int], None]

METADATA = "de.tudarmstadt.ukp.dkpro.core.api.metadata.type.DocumentMetaData"
SENTENCE = "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Sentence"
TOKEN = "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Token"
THEME = "webanno.custom.Theme"  # annotator's themes, as an INCEpTION document metadata layer "Theme"
CUSTOM = "webanno.custom."
SUFFIXES = (".xmi", ".zip", ".tsv")  # files named on the command line that this module reads
TYPE_SYSTEM = "typesystem.xml"  # matched without regard to case (DKPro writes TypeSystem.xml)
INITIAL_CAS = "INITIAL_CAS"  # a project export's unannotated copy of each document: no one's layer
NAMES = "file-names.tsv"  # annotator's export: which file holds a document whose id is not its file name
OUR_SUFFIXES = (".xmi", ".tsv")  # what annotator's export adds to an id; INCEpTION keeps it in the name
# records.py has the same pattern as a private name (_LANG); kept here until it has a public one
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_XML11 = re.compile(rb"^(\s*<\?xml[^>]*version\s*=\s*)([\"'])1\.1\2")
_XMI_ID = "{http://www.omg.org/XMI}id"
_NOT_READ = ("uima.tcas.DocumentAnnotation", METADATA, SENTENCE, TOKEN, NAMED_ENTITY)
_DKPRO_META = "de.tudarmstadt.ukp.dkpro.core.api.metadata.type."  # tagset descriptions: no one's annotation


@dataclass
class Notes:
    """What an import of INCEpTION files left out or merged, for its report's warnings
    (annotator.core.importing gathers them around the import: ``Notes.start()`` ... ``finish()``)."""

    unread: Counter[str] = field(default_factory=Counter)  # annotation type -> how many were not imported
    unread_files: Counter[str] = field(default_factory=Counter)  # annotation type -> in how many files
    zero_width: int = 0  # NamedEntity annotations of no character (INCEpTION allows them; a span cannot be)
    owners: dict[str, set[str]] = field(default_factory=dict)  # document -> users whose files went into one layer
    annotator: str | None = None

    @classmethod
    def start(cls, annotator: str | None = None) -> Notes:
        notes = cls(annotator=annotator)
        _NOTES.set(notes)
        return notes

    def finish(self) -> list[str]:
        _NOTES.set(None)
        return self.lines()

    def lines(self) -> list[str]:
        out = []
        merged = {doc: users for doc, users in self.owners.items() if len(users) > 1}
        if merged:
            users = sorted({u for found in merged.values() for u in found})
            docs = sorted(merged)
            who = ", ".join(users[:-1]) + " and " + users[-1]
            out.append(f"--annotator {self.annotator}: the files of {who} for {counted(len(docs), 'document')} "
                       f"({', '.join(docs[:5])}{', …' if len(docs) > 5 else ''}) all went into {self.annotator}'s "
                       "layer, their spans side by side (import without --annotator to give each user a layer)")
        for kind, n in sorted(self.unread.items()):
            files = self.unread_files[kind]
            out.append(f"{n} annotation{'s' if n != 1 else ''} of {kind} in {files} file{'s' if files != 1 else ''} "
                       "not imported (annotator reads NamedEntity spans, relations between them and "
                       "document-level themes)")
        if self.zero_width:
            out.append(f"{self.zero_width} NamedEntity annotation{'s' if self.zero_width != 1 else ''} of no "
                       "character (begin = end) skipped: a span needs at least one character")
        return out


_NOTES: ContextVar[Notes | None] = ContextVar("inception_notes", default=None)


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


def _layer(parts: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(whose layer, the document's name) as the member's place in the export says, if it does."""
    if len(parts) >= 3 and parts[0] == "annotation":
        return _stem(parts[2]), _document_name(parts[1])
    if len(parts) == 2:
        return parts[0], None
    return None, None


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else name


def _document_name(name: str) -> str:
    """A project export's document folder as an id: INCEpTION names a document after the file
    uploaded, so one annotator exported comes back as ``<id>.xmi`` or ``<id>.tsv``; that suffix
    goes. Any other (``news1.txt``, a text uploaded to INCEpTION) stays, as earlier imports kept it."""
    lower = name.lower()
    for suffix in OUR_SUFFIXES:
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[:-len(suffix)]
    return name


def _file_names(path: Path, items: list[Member]) -> dict[tuple[str, ...], str]:
    """annotator's export's file-names.tsv: (folder, file stem) -> the id the file holds."""
    out: dict[tuple[str, ...], str] = {}
    for member in items:
        if member.parts[-1] != NAMES:
            continue
        try:
            content = member.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(path, f"{member.name}: not valid UTF-8") from None
        for lineno, line in enumerate(content.splitlines(), 1):
            if not line.strip():
                continue
            name, tab, doc_id = line.partition("\t")
            if not tab or not doc_id or "/" not in name:
                raise InputError(path, f"{member.name}: each line must be FOLDER/FILE, a tab and the document's "
                                       f"id, not {line[:60]!r}", lineno)
            out[member.parts[:-1] + tuple(name.split("/"))] = doc_id
    return out


def _names_above(path: Path) -> dict[tuple[str, ...], str]:
    """file-names.tsv one folder up, for one layer's folder of our export (or a file in it) read alone."""
    folder = path if path.is_dir() else path.parent
    above = folder.parent / NAMES
    if not above.is_file():
        return {}
    listed = _file_names(above, [Member((NAMES,), above.read_bytes)])
    return {key[1:]: doc_id for key, doc_id in listed.items() if key[0] == folder.name}


# --- reading -----------------------------------------------------------------------------------


def read(path: Path, progress: Progress | None = None, member_names: bool = True
         ) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """Every document in an INCEpTION export, one per document and layer: where it is in the
    export (None for a bare file) and its fields as annotator.core.reading checks them."""
    from annotator.core import webanno_tsv

    items = members(path)
    project = any(m.parts[0] == "annotation" and len(m.parts) >= 3 for m in items)
    types = {m.parts[:-1]: m for m in items if m.parts[-1].lower() == TYPE_SYSTEM}
    ids = _file_names(path, items) or _names_above(path)
    notes = _NOTES.get()
    found = 0
    for member in items:
        suffix = member.parts[-1].lower().rsplit(".", 1)[-1]
        if suffix not in ("xmi", "tsv") or member.parts[-1] == NAMES:
            continue
        if project and (member.parts[0] != "annotation" or len(member.parts) < 3):
            continue  # a project export's sources, curation and serialised CASes
        if project and member.parts[2].split(".")[0] == INITIAL_CAS:
            continue
        owner, doc_name = _layer(member.parts)
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
        unread = obj.pop(UNREAD, {})
        zero = obj.pop(ZERO_WIDTH, 0)
        if doc_name is not None and doc_name != member.parts[1] and obj.get("id") == member.parts[1]:
            obj["id"] = doc_name  # INCEpTION's metadata names the document after our file: the id is that name's
            if obj.get("title") == member.parts[1]:
                del obj["title"]
        # the id: DocumentMetaData's (cas_object), else file-names.tsv's, else the document's folder or file
        obj.setdefault("id", ids.get(member.parts[:-1] + (_stem(member.parts[-1]),))
                       or doc_name or _stem(member.parts[-1]))
        if notes is not None:
            for kind, n in unread.items():
                notes.unread[kind] += n
                notes.unread_files[kind] += 1
            notes.zero_width += zero
        if member_names and owner is not None:
            obj["annotator"] = owner
        elif notes is not None and owner is not None:
            notes.owners.setdefault(str(obj["id"]), set()).add(owner)
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
            if path.is_dir() or path.suffix.lower() == ".zip":
                raise InputError(path, f"{member.name}: the {'folder' if path.is_dir() else 'zip'} holds no "
                                       "TypeSystem.xml, which an .xmi file is read with (INCEpTION's and annotator's "
                                       "XMI exports put one at the top)")
            raise InputError(path, "no TypeSystem.xml beside the .xmi file (INCEpTION's XMI export holds one: "
                                   "import the whole zip or folder)")
        folder = folder[:-1]
    try:
        return cassis.load_typesystem(io.BytesIO(found.read()))
    except Exception as err:  # lxml and cassis raise many kinds; all mean "not a type system"
        raise InputError(path, f"{found.name}: not a UIMA type system ({_first_line(err)})") from None


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def cas_object(path: Path, where: str | None, data: bytes, typesystem: Any) -> dict[str, Any]:
    """A document as reading.py's record fields, from one XMI file: code-point offsets (converted
    here from the file's UTF-16, each checked), spans from NamedEntity, themes from document-level
    annotations; what else it holds is counted under UNREAD."""
    import cassis

    here = f"{where}: " if where else ""
    data = _XML11.sub(rb"\g<1>\g<2>1.0\g<2>", data, count=1)  # cassis's parser reads XML 1.0 only
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cassis warns of offsets it cannot map; _offsets checks every one
        try:
            cas = cassis.load_cas_from_xmi(io.BytesIO(data), typesystem=typesystem, lenient=True)
        except KeyError as err:  # cassis's word for a feature naming an xmi:id no element has
            missing = err.args[0] if err.args else None
            found = _referrer(data, missing) if isinstance(missing, int) else None
            if found is None:
                raise InputError(path, f"{here}not UIMA CAS XMI (no element has xmi:id {missing})") from None
            line, kind, xmi_id, feature = found
            raise InputError(path, f"{here}{kind} (xmi:id {xmi_id}): its {feature} refers to xmi:id {missing}, "
                                   "which no element of the file has", line) from None
        except Exception as err:  # XML syntax, a type the file and its type system disagree on
            raise InputError(path, f"{here}not UIMA CAS XMI ({_first_line(err)})") from None
    text = cas.sofa_string
    lines: dict[int, int] = {}
    offsets = _offsets(path, here, data, cas, lines)
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
    zero = 0
    place: dict[int, int | None] = {}  # a NamedEntity's xmi:id -> its place among the spans (None: not read)
    if ts.contains_type(NAMED_ENTITY):
        for fs in cas.select(NAMED_ENTITY):
            begin, end, raw = offsets.get(fs.xmiID) or (fs.begin, fs.end, (fs.begin, fs.end))
            if begin > end:
                raise InputError(path, f"{here}NamedEntity (xmi:id {fs.xmiID}) begins at {raw[0]}, after its end "
                                       f"{raw[1]} (UTF-16 code units, as the file counts)")
            place[fs.xmiID] = None
            if begin == end:
                zero += 1
                continue
            place[fs.xmiID] = len(obj["spans"])
            label = _feature(fs, "value")
            if not label:
                raise InputError(path, f"{here}NamedEntity (xmi:id {fs.xmiID}) at {text[begin:end]!r} has no "
                                       "value: a span needs a label")
            obj["spans"].append({"start": begin, "end": end, "label": label})
    unread: Counter[str] = Counter()
    relations = []
    for fs in cas.select_all_fs():
        name = fs.type.name
        if not ts.is_instance_of(name, "uima.cas.AnnotationBase") or name.startswith(_DKPRO_META):
            continue
        if fs.type.get_feature(GOVERNOR) is not None and fs.type.get_feature(DEPENDENT) is not None:
            found = _relation(path, here, fs, place, obj["spans"], lines)
            if found is not None:
                relations.append(found)
                continue
        if not ts.is_instance_of(name, "uima.tcas.Annotation"):
            if name.startswith(CUSTOM):
                theme = _feature(fs, "value") or next((v for v in _strings(fs) if v), None)
                if theme and theme not in obj["themes"]:
                    obj["themes"].append(theme)
        elif name not in _NOT_READ:
            unread[short_type(name)] += 1
    if relations:
        obj["relations"] = sorted(relations, key=lambda r: r["line"] or 0)
    if unread:
        obj[UNREAD] = dict(unread)
    if zero:
        obj[ZERO_WIDTH] = zero
    return obj


def _relation(path: Path, here: str, fs: Any, place: dict[int, int | None], spans: list[dict[str, Any]],
              lines: dict[int, int]) -> dict[str, Any] | None:
    """A relation between two NamedEntity annotations (INCEpTION's relation layer on the named-entity
    layer: ``Governor`` -> ``Dependent``), as places among the spans read, its line in the file
    kept for errors; None for a relation of another layer's annotations (Dependency between
    tokens: counted as not imported). One that half joins entities is refused, with its line."""
    line = lines.get(fs.xmiID)
    what = f"{here}{short_type(fs.type.name)} (xmi:id {fs.xmiID})"
    ends = [fs.get(GOVERNOR), fs.get(DEPENDENT)]
    entity = [end is not None and end.type.name == NAMED_ENTITY for end in ends]
    if not any(entity) and all(end is not None for end in ends):
        return None
    for name, end, ok in zip((GOVERNOR, DEPENDENT), ends, entity):
        if not ok:
            kind = "nothing" if end is None else short_type(end.type.name)
            raise InputError(path, f"{what}: its {name} is {kind}, not a NamedEntity: annotator's relations join "
                                   "two entities", line)
        if place.get(end.xmiID) is None:
            raise InputError(path, f"{what}: its {name} (xmi:id {end.xmiID}) is an entity of no character, which "
                                   "is not imported", line)
    label = _feature(fs, RELATION_LABEL) or _feature(fs, "label") or next((v for v in _strings(fs) if v), None)
    if not label:
        raise InputError(path, f"{what}: has no value: annotator's relations each have a type", line)
    one, other = (spans[place[end.xmiID]] for end in ends)  # type: ignore[index]
    if (one["start"], one["end"], one["label"]) == (other["start"], other["end"], other["label"]):
        raise InputError(path, f"{what}: joins an entity to itself", line)
    return {"from": place[ends[0].xmiID], "to": place[ends[1].xmiID], "label": label, "line": line}


def _offsets(path: Path, here: str, data: bytes, cas: Any, lines: dict[int, int] | None = None
             ) -> dict[int, tuple[int, int, tuple[int, int]]]:
    """Every annotation's begin and end over the text, in code points, from the file's own UTF-16
    numbers (not from cassis's conversion, whose warnings are only text): one that is not on a
    character of the text is refused, naming the annotation. ``lines`` gets each element's line in
    the file by its xmi:id, for naming a relation that cannot be read."""
    from lxml import etree

    try:
        sofa = str(cas.get_sofa().xmiID)
    except Exception:  # no sofa: checked as an empty text after this
        return {}
    convert = Units(cas.sofa_string or "", "utf16")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    out: dict[int, tuple[int, int, tuple[int, int]]] = {}
    for element in etree.fromstring(data, parser).iter():
        attrs = element.attrib
        if lines is not None and attrs.get(_XMI_ID, "").isdigit():
            lines[int(attrs[_XMI_ID])] = element.sourceline
        if "begin" not in attrs or "end" not in attrs or attrs.get("sofa") != sofa or _XMI_ID not in attrs:
            continue
        xmi_id = attrs[_XMI_ID]
        kind = etree.QName(element).localname
        try:
            raw = int(attrs["begin"]), int(attrs["end"])
            out[int(xmi_id) if xmi_id.isdigit() else -1] = (convert.to_code_point(raw[0]),
                                                            convert.to_code_point(raw[1]), raw)
        except OffsetError as err:
            raise InputError(path, f"{here}{kind} (xmi:id {xmi_id}): offset {err}") from None
        except ValueError:
            raise InputError(path, f"{here}{kind} (xmi:id {xmi_id}): begin {attrs['begin']!r} and end "
                                   f"{attrs['end']!r} are not whole numbers") from None
    return out


def _referrer(data: bytes, missing: int) -> tuple[int, str, str, str] | None:
    """The element whose feature names ``missing`` (an xmi:id no element has): its line, type,
    xmi:id and the feature's name; None where no attribute names it."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None
    for element in root.iter():
        for name, value in element.attrib.items():
            if name != _XMI_ID and str(missing) in value.split():
                return (element.sourceline, etree.QName(element).localname,
                        element.attrib.get(_XMI_ID, "?"), etree.QName(name).localname)
    return None


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
