"""WebAnno TSV 3.2/3.3, INCEpTION's tabular format, read and written as INCEpTION's own
Tsv3XDeserializer and Tsv3XSerializer do.

Reading builds the text as INCEpTION does: each sentence's ``#Text=`` lines joined by line
breaks, placed at its first token's offset, the gap before it filled with spaces, and the line
break after a sentence kept where the next one does not start right after it (so the white space
between INCEpTION's sentences is not the source's; annotator's export writes each sentence's text
up to the next one, which gives the text back exactly). The line break after the last sentence
is dropped. Token offsets (``begin-end``) count Java's UTF-16 code
units over that text; they are converted to code points here, in one place. Only the
``NamedEntity`` layer's ``value`` column is read: a multi-token entity is one annotation through
its ``[n]`` disambiguation id, ``|`` stacks several on one token, ``_`` is no annotation and
``*`` an annotation without a value (refused: a span needs a label). A relation layer on
``NamedEntity`` (``#T_RL=...|BT_...NamedEntity``) gives relations: its ``value`` column (else
``label``, else its first) is the type, its ``BT_`` column the governor's unit with the ends'
disambiguation ids (``1-3[4_5]``; 0 or none: the unit's first entity), and the dependent is the
entity on the relation's own line; an end that is no entity read is refused with the line. Other
layers' annotations are counted under ``UNREAD`` and an entity of no character under
``ZERO_WIDTH``, for the import's warnings (annotator.core.inception takes them off the document).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.core.errors import InputError
from annotator.core.offsets import OffsetError, Units
from annotator.core.utf16 import Utf16Index

NAMED_ENTITY = "de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity"
# annotator's relations: a custom relation layer on the named-entity layer, as INCEpTION makes one
# ("Relation", attached to "Named entity"): Governor and Dependent point to NamedEntity annotations
RELATION = "webanno.custom.Relation"
RELATION_LABEL = "value"  # its feature holding the relation type (read: value, else label, else its only one)
GOVERNOR, DEPENDENT = "Governor", "Dependent"
UNREAD = "__unread"  # a parsed document's count of annotations not imported, by type (taken off by inception.read)
ZERO_WIDTH = "__zero_width"  # its count of NamedEntity annotations of no character, skipped (the same)
HEADER = "#FORMAT=WebAnno TSV 3.3"
_FORMAT = re.compile(r"^#FORMAT=(?P<name>.*) (?P<major>\d+)\.(?P<minor>\d+)$")
_LAYER = re.compile(r"^#T_(SP|RL|CH)=")
_LINES = re.compile(r"\r\n|\r|\n")  # Java's readLine ends a line at any of these, and only these
_STACK = re.compile(r"(?<!\\)\|")
_OFFSETS = re.compile(r"^(\d+)-(\d+)$")
_SOURCE = re.compile(r"^(\d+-\d+(?:\.\d+)?)(?:\[(\d+)_(\d+)\])?$")  # a relation's governor: 1-3, 1-3[4_5]

# Escaping.java: text lines (3.2 and later) and feature values.
_TEXT_ESCAPES = {chr(i): "\\" + chr(i) for i in range(32) if not 7 < i < 14}
_TEXT_ESCAPES.update({"\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", "\b": "\\b", "\\": "\\\\"})
_VALUE_ESCAPES = {"\\": "\\\\", "[": "\\[", "]": "\\]", "|": "\\|", "_": "\\_", "->": "\\->", ";": "\\;",
                  "\t": "\\t", "\n": "\\n", "*": "\\*"}


def _replacer(table: dict[str, str]) -> Any:
    """One left-to-right pass, the first key in order winning at each place (StringUtils.replaceEach)."""
    pattern = re.compile("|".join(re.escape(k) for k in table))
    return lambda text: pattern.sub(lambda m: table[m.group()], text)


escape_text = _replacer(_TEXT_ESCAPES)
unescape_text = _replacer({v: k for k, v in _TEXT_ESCAPES.items()})
escape_value = _replacer(_VALUE_ESCAPES)
unescape_value = _replacer({v: k for k, v in _VALUE_ESCAPES.items()})


# --- reading -----------------------------------------------------------------------------------


def parse(path: Path, where: str | None, data: bytes) -> dict[str, Any]:
    """A document's text and NamedEntity spans (code points), as reading.py's record fields."""
    def fail(message: str, line: int | None = None) -> InputError:
        return InputError(path, f"{where}: {message}" if where else message, line)

    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise fail(f"not valid UTF-8 (byte 0x{data[err.start]:02x})", data.count(b"\n", 0, err.start) + 1) from None
    lines = _LINES.split(content)
    if lines and lines[-1] == "":
        lines.pop()
    match = _FORMAT.match(lines[0]) if lines else None
    if not match or match["name"] != "WebAnno TSV":
        raise fail("not WebAnno TSV: the first line must be #FORMAT=WebAnno TSV 3.x", 1)
    if int(match["major"]) != 3 or int(match["minor"]) < 2:
        raise fail(f"WebAnno TSV {match['major']}.{match['minor']}: annotator reads 3.2 and 3.3 (export again "
                   "from INCEpTION)", 1)
    columns, value_column, at = 0, None, 1
    others: dict[int, str] = {}  # another layer's first column -> its type, to count what is not imported
    related: list[tuple[int, int]] = []  # relation layers on NamedEntity: (label column, governor column)
    while at < len(lines) and _LAYER.match(lines[at]):
        fields = [f for f in lines[at].split("=", 1)[1].split("|") if f]  # StringUtils.split drops empty ones
        if fields and fields[0] == NAMED_ENTITY and "value" in fields[1:]:
            value_column = columns + fields[1:].index("value")
        elif lines[at].startswith("#T_RL=") and fields[-1] == "BT_" + NAMED_ENTITY and len(fields) > 2:
            features = fields[1:-1]
            label = next((f for f in (RELATION_LABEL, "label") if f in features), features[0])
            related.append((columns + features.index(label), columns + len(features)))
        elif fields and fields[0] != NAMED_ENTITY:
            others[columns] = fields[0]
        columns += max(1, len(fields) - 1)
        at += 1
    unread: dict[str, set[Any]] = {}  # type -> its annotations' keys
    text = _Text()
    spans: dict[int | tuple[int, int], list[Any]] = {}  # an annotation's key -> [begin, end, label, line]
    on_unit: dict[str, list[Any]] = {}  # a unit (1-3, 1-3.1) -> its entities' keys, in their stacking order
    arcs: list[tuple[str, str, str, int]] = []  # relations: governor reference, dependent unit, label, line
    units: list[tuple[int, int, str, int]] = []  # every token's begin, end, text and line, for checking
    sentence: list[str] = []
    in_tokens = False
    for lineno, line in enumerate(lines[at:], at + 1):
        if not line:
            in_tokens = False
            continue
        if not in_tokens and line.startswith("#"):
            if line.startswith("#Text="):
                sentence.append(unescape_text(line[len("#Text="):]) + "\n")
            continue
        fields = line.split("\t")
        if len(fields) < columns + 3:
            raise fail(f"a token line needs {columns + 3} tab-separated fields, not {len(fields)}", lineno)
        offsets = _OFFSETS.match(fields[1])
        if not offsets:
            raise fail(f"token {fields[0]!r}: offsets {fields[1]!r} are not begin-end", lineno)
        begin, end = int(offsets[1]), int(offsets[2])
        if not in_tokens:
            if not sentence:
                raise fail("a token line before any #Text= line", lineno)
            text.place(begin, "".join(sentence), fail, lineno)
            sentence = []
            in_tokens = True
        units.append((begin, end, fields[2], lineno))
        for column, kind in others.items():
            if fields[3 + column] not in ("_", ""):
                unread.setdefault(kind, set()).update(
                    _key(raw, lineno, k) for k, raw in enumerate(_STACK.split(fields[3 + column])))
        for label_column, source_column in related:
            arcs += _arcs(fields, label_column, source_column, lineno, fail)
        if value_column is None or fields[3 + value_column] == "_":
            continue
        for k, raw in enumerate(_STACK.split(fields[3 + value_column])):
            value, ident = raw, None
            if raw.endswith("]") and not raw.endswith("\\]"):
                cut = raw.rfind("[")
                value, ident = raw[:cut], raw[cut + 1:-1]
                if not ident.isdigit():
                    raise fail(f"token {fields[0]}: {raw!r} has a disambiguation id that is not a number", lineno)
            if value == "*":
                raise fail(f"token {fields[0]}: a NamedEntity without a value (*): a span needs a label", lineno)
            key: int | tuple[int, int] = int(ident) if ident is not None else (lineno, k)
            on_unit.setdefault(fields[0], []).append(key)
            if key in spans:
                spans[key][1] = end
            else:
                spans[key] = [begin, end, unescape_value(value), lineno]
    if not text.parts:
        raise fail("holds no sentence (no #Text= line followed by tokens)")
    whole = text.value()[:-1]  # the line break the format puts after the last sentence is not the text's
    convert = Units(whole, "utf16")
    for begin, end, token, lineno in units:  # Java's reader does not look: a shifted file shows here
        try:
            a, b = convert.to_code_point(begin), convert.to_code_point(end)
        except OffsetError as err:
            raise fail(f"token offsets {begin}-{end}: {err} (counted in UTF-16 code units)", lineno) from None
        if whole[a:b] != token:
            raise fail(f"token {token!r} at {begin}-{end} (UTF-16 code units) is not what the text has there "
                       f"({whole[a:b]!r})", lineno)
    out = []
    zero = 0
    place: dict[Any, int] = {}  # an entity's key -> its place among the spans read
    for key, (begin, end, label, lineno) in spans.items():
        if begin == end:  # INCEpTION allows an entity of no character; a span needs one
            zero += 1
            continue
        place[key] = len(out)
        out.append({"start": convert.to_code_point(begin), "end": convert.to_code_point(end), "label": label})
    found: dict[str, Any] = {"text": whole, "spans": out}
    if arcs:
        found["relations"] = _resolve(arcs, spans, on_unit, place, out, fail)
    if unread:
        found[UNREAD] = {short_type(kind): len(keys) for kind, keys in unread.items()}
    if zero:
        found[ZERO_WIDTH] = zero
    return found


def _arcs(fields: list[str], label_column: int, source_column: int, lineno: int, fail: Any
          ) -> list[tuple[str, str, str, int]]:
    """A token line's relations of one relation layer: INCEpTION writes each on its dependent's
    first unit, its type in the label column and its governor's unit in the ``BT_`` column, both
    stacked with ``|`` in the same order; ``[g_d]`` names the ends' disambiguation ids (0: the
    unit's only entity)."""
    labels, sources = fields[3 + label_column], fields[3 + source_column]
    if labels in ("_", "") and sources in ("_", ""):
        return []
    labels_at, sources_at = _STACK.split(labels), _STACK.split(sources)
    if len(labels_at) != len(sources_at):
        raise fail(f"token {fields[0]}: {len(labels_at)} relation types ({labels!r}) for {len(sources_at)} "
                   f"governors ({sources!r})", lineno)
    out = []
    for label, source in zip(labels_at, sources_at):
        if label in ("*", "_", ""):
            raise fail(f"token {fields[0]}: a relation without a type ({label or 'empty'}): annotator's relations "
                       "each have one", lineno)
        found = _SOURCE.match(source)
        if not found:
            raise fail(f"token {fields[0]}: relation governor {source!r} is not a token such as 1-3 or 1-3[4_5]",
                       lineno)
        out.append((source, fields[0], unescape_value(label), lineno))
    return out


def _resolve(arcs: list[tuple[str, str, str, int]], spans: dict[Any, list[Any]], on_unit: dict[str, list[Any]],
             place: dict[Any, int], out: list[dict[str, Any]], fail: Any) -> list[dict[str, Any]]:
    """Each relation's ends as places among the spans read (TsvDocument.resolveReference: a
    disambiguation id names its entity, else the unit's first one), its line kept for errors."""
    relations = []
    for source, unit, label, lineno in arcs:
        found = _SOURCE.match(source)
        assert found is not None
        ends = []
        for what, at, ident in (("governor", found[1], found[2]), ("dependent", unit, found[3])):
            if ident is not None and int(ident) > 0:
                key: Any = int(ident)
                if key not in spans:
                    raise fail(f"token {unit}: the relation's {what} [{ident}] is no NamedEntity of the file", lineno)
            elif on_unit.get(at):
                key = on_unit[at][0]
            else:
                raise fail(f"token {unit}: the relation's {what} at {at} is on no NamedEntity: annotator's relations "
                           "join two entities", lineno)
            if key not in place:
                raise fail(f"token {unit}: the relation's {what} at {at} is an entity of no character, which is "
                           "not imported", lineno)
            ends.append(place[key])
        one, other = out[ends[0]], out[ends[1]]
        if (one["start"], one["end"], one["label"]) == (other["start"], other["end"], other["label"]):
            raise fail(f"token {unit}: the relation {label!r} joins an entity to itself", lineno)
        relations.append({"from": ends[0], "to": ends[1], "label": label, "line": lineno})
    return relations


def _key(raw: str, lineno: int, k: int) -> Any:
    """One annotation of a column: its disambiguation id (``[3]``) where it spans tokens, else its place."""
    if raw.endswith("]") and not raw.endswith("\\]") and raw[raw.rfind("[") + 1:-1].isdigit():
        return int(raw[raw.rfind("[") + 1:-1])
    return (lineno, k)


def short_type(kind: str) -> str:
    """A type as a warning names it: a custom layer in full, DKPro's by its last part."""
    return kind if kind.startswith("webanno.custom.") else kind.rsplit(".", 1)[-1]


class _Text:
    """The document text as Tsv3XDeserializer builds it, its length counted in UTF-16 units."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0  # UTF-16 code units

    def place(self, begin: int, sentence: str, fail: Any, lineno: int) -> None:
        if self.length > begin:  # no gap after the last sentence: its line break goes
            if self.length != begin + 1 or not self.parts[-1].endswith("\n"):
                raise fail(f"the sentence starts at {begin}, inside the sentence before it", lineno)
            self.parts[-1] = self.parts[-1][:-1]
            self.length -= 1
        if self.length < begin:
            self.parts.append(" " * (begin - self.length))
            self.length = begin
        self.parts.append(sentence)
        self.length += Utf16Index(sentence).length_utf16

    def value(self) -> str:
        return "".join(self.parts)


# --- writing -----------------------------------------------------------------------------------


def write(text: str, sentences: list[list[tuple[int, int]]], spans: list[tuple[int, int, str]],
          relations: list[tuple[int, int, str]] = ()) -> Iterator[str]:
    """A document as WebAnno TSV 3.3: ``sentences`` hold their tokens (code points), each span
    starts and ends on token edges. Every entity gets a disambiguation id, so that INCEpTION's
    reader joins a multi-token one and keeps stacked ones apart. ``relations`` (governor, dependent
    as places in ``spans``, type) go in a ``webanno.custom.Relation`` layer as Tsv3XSerializer
    writes one: on the dependent's first token, the governor's first token and both ids
    (``1-3[4_5]``) in its ``BT_`` column."""
    u16 = Utf16Index(text)
    layers = f"#T_SP={NAMED_ENTITY}|identifier|value\n"
    if relations:
        layers += f"#T_RL={RELATION}|{RELATION_LABEL}|BT_{NAMED_ENTITY}\n"
    yield f"{HEADER}\n{layers}\n"
    ordered = sorted(range(len(spans)), key=lambda i: (spans[i][0], spans[i][1], spans[i][2]))
    ids = {i: n for n, i in enumerate(ordered, 1)}
    unit = {a: f"{s}-{t}" for s, tokens in enumerate(sentences, 1) for t, (a, _) in enumerate(tokens, 1)}
    arcs: dict[int, list[tuple[int, int, str]]] = {}  # a dependent's first token start -> its relations
    for g, d, label in sorted(relations, key=lambda r: (ids[r[1]], ids[r[0]], r[2])):
        arcs.setdefault(spans[d][0], []).append((g, d, label))
    for s, tokens in enumerate(sentences, 1):
        # up to the next sentence: INCEpTION's reader then drops the line break it adds after this one,
        # and so builds the text exactly (but for white space before the first token)
        lo, hi = tokens[0][0], sentences[s][0][0] if s < len(sentences) else len(text)
        yield "\n" + "".join(f"#Text={escape_text(line)}\n" for line in text[lo:hi].split("\n"))
        for t, (a, b) in enumerate(tokens, 1):
            here = [i for i in ordered if spans[i][0] < b and a < spans[i][1]]
            ident = "|".join(f"*[{ids[i]}]" for i in here) or "_"
            value = "|".join(f"{escape_value(spans[i][2])}[{ids[i]}]" for i in here) or "_"
            row = f"{s}-{t}\t{u16.to_utf16(a)}-{u16.to_utf16(b)}\t{text[a:b]}\t{ident}\t{value}\t"
            if relations:
                mine = arcs.get(a, [])
                kinds = "|".join(escape_value(label) for _, _, label in mine) or "_"
                sources = "|".join(f"{unit[spans[g][0]]}[{ids[g]}_{ids[d]}]" for g, d, _ in mine) or "_"
                row += f"{kinds}\t{sources}\t"
            yield row + "\n"
