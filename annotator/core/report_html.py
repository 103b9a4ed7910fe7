"""``annotator report``: the figures of :mod:`annotator.core.progress` as one self-contained HTML
file. Inline CSS and SVG drawn here; no scripts, no fonts or images fetched, so it opens offline
and prints. Names and labels sit in ``<bdi>`` (Persian and Korean keep their direction inside a
left-to-right page); SVG text gets ``direction``/``unicode-bidi`` from the same rule."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from annotator.core.progress import ANNOTATOR_HEADINGS, LABEL_HEADINGS, Progress, annotator_cells, label_cells

PALETTE = ("#1c7ed6", "#e8590c", "#2f9e44", "#ae3ec9", "#f08c00", "#0c8599", "#c2255c", "#5c940d")
MAX_POINTS = 2000  # the scatter plot draws at most this many documents (compute() keeps as many)

CSS = """
body { font-family: system-ui, "Noto Sans", "Vazirmatn", "Noto Sans Arabic", "Noto Sans CJK KR",
       "Malgun Gothic", sans-serif; margin: 2rem; color: #212529; max-width: 1100px; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #dee2e6; padding: .3rem .7rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f1f3f5; }
.note { color: #495057; font-size: .85rem; max-width: 60rem; }
svg { display: block; margin: .5rem 0 1.5rem; font-size: 12px; max-width: 100%; height: auto; }
svg text { unicode-bidi: plaintext; }
.plot { break-inside: avoid; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  table, .plot { break-inside: avoid; }
}
"""


def _b(text: str) -> str:
    return f"<bdi>{escape(text)}</bdi>"


def _table(head: list[str], rows: list[list[str]]) -> str:
    out = ["<table><thead><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (f'<svg width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def nice(top: float, ticks: int = 4, *, whole: bool = False) -> float:
    """The axis's end: ``top`` rounded up so each of ``ticks`` steps is 1, 2, 2.5, 3 or 5 × 10^n
    (a whole number on an axis of counts), so the tick labels are exact."""
    raw = max(top, 1e-9) / ticks
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 3, 5, 10) if m * mag >= raw * (1 - 1e-9))
    if whole:
        step = max(1, math.ceil(step))
    return step * ticks


def _axes(x0: int, y0: int, x1: int, y1: int, ymax: float, ylabel: str, ticks: int = 4,
          fmt: str = "{:.0f}") -> list[str]:
    out = [f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#868e96"/>',
           f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#868e96"/>',
           f'<text x="{x0 - 40}" y="{y1 - 8}" fill="#495057">{escape(ylabel)}</text>']
    for i in range(ticks + 1):
        y = y0 - (y0 - y1) * i / ticks
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#f1f3f5"/>')
        out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt.format(ymax * i / ticks)}</text>')
    return out


def done_per_day(figures: Progress) -> str:
    """Grouped bars: layers marked done per UTC day, one colour per annotator."""
    days = list(figures.done_per_day)
    names = [p.name for p in figures.annotators]
    width, height, x0, y0, y1 = 900, 300, 60, 250, 30
    top = nice(max((n for day in figures.done_per_day.values() for n in day.values()), default=0) or 1, whole=True)
    body = _axes(x0, y0, width - 20, y1, top, "documents done")
    slot = (width - 20 - x0) / max(len(days), 1)
    bar = max(min(slot * 0.8 / max(len(names), 1), 30), 1)
    step = max(1, len(days) // 12)  # at most about 12 day labels
    for d, day in enumerate(days):
        for i, name in enumerate(names):
            n = figures.done_per_day[day].get(name, 0)
            h = (y0 - y1) * n / top
            x = x0 + d * slot + (slot - bar * len(names)) / 2 + i * bar  # the day's bars centred on its label
            body.append(f'<rect x="{x:.1f}" y="{y0 - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                        f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(name)} {day}: {n}</title></rect>')
        if d % step == 0:
            body.append(f'<text x="{x0 + d * slot + slot / 2:.1f}" y="{y0 + 16}" text-anchor="middle">{day}</text>')
    for i, name in enumerate(names):
        body.append(f'<rect x="{x0 + i * 130}" y="{height - 20}" width="10" height="10" '
                    f'fill="{PALETTE[i % len(PALETTE)]}"/><text x="{x0 + i * 130 + 14}" y="{height - 11}">'
                    f"{escape(name)}</text>")
    return _svg(width, height, "Documents done per day per annotator", body)


def time_against_agreement(figures: Progress) -> str:
    """One dot per document finished by two or more: active minutes (all annotators) across,
    pooled pairwise span F1 up."""
    points = [p for p in figures.documents if p.f1 is not None]
    if len(points) > MAX_POINTS:
        points = points[:: -(-len(points) // MAX_POINTS)]
    width, height, x0, y0, y1 = 900, 320, 60, 270, 30
    right = width - 20
    most = nice(max((p.active_minutes for p in points), default=0) or 1)
    body = _axes(x0, y0, right, y1, 1.0, "span F1", fmt="{:.2f}")
    for i in range(5):
        x = x0 + (right - x0) * i / 4
        body.append(f'<text x="{x:.1f}" y="{y0 + 16}" text-anchor="middle">{most * i / 4:g}</text>')
    body.append(f'<text x="{(x0 + right) / 2}" y="{height - 10}" text-anchor="middle" fill="#495057">'
                "active minutes per document (all annotators)</text>")
    for p in points:
        x = x0 + (right - x0) * p.active_minutes / most
        y = y0 - (y0 - y1) * p.f1
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1c7ed6" fill-opacity="0.5"/>')
    return _svg(width, height, "Active time per document against agreement", body)


def label_agreement(figures: Progress) -> str:
    """Horizontal bars per label: F1 against the others (blue) and against gold (orange)."""
    labels = figures.labels
    row = 34
    width, x0 = 900, 200
    height = 60 + row * max(len(labels), 1)
    right = width - 60
    body = []
    for i in range(5):
        x = x0 + (right - x0) * i / 4
        body.append(f'<line x1="{x:.1f}" y1="20" x2="{x:.1f}" y2="{height - 30}" stroke="#f1f3f5"/>'
                    f'<text x="{x:.1f}" y="{height - 14}" text-anchor="middle">{i / 4:.2f}</text>')
    for i, lab in enumerate(labels):
        y = 24 + i * row
        body.append(f'<text x="{x0 - 8}" y="{y + 16}" text-anchor="end">{escape(lab.name)}</text>')
        for j, (value, colour) in enumerate(((lab.f1_others, PALETTE[0]), (lab.f1_gold, PALETTE[1]))):
            if value is None:
                continue
            w = (right - x0) * value
            body.append(f'<rect x="{x0}" y="{y + j * 13}" width="{w:.1f}" height="12" fill="{colour}"/>'
                        f'<text x="{x0 + w + 4:.1f}" y="{y + j * 13 + 10}">{value:.2f}</text>')
    body.append(f'<rect x="{x0}" y="4" width="10" height="10" fill="{PALETTE[0]}"/>'
                f'<text x="{x0 + 14}" y="13">against the others</text>'
                f'<rect x="{x0 + 160}" y="4" width="10" height="10" fill="{PALETTE[1]}"/>'
                f'<text x="{x0 + 174}" y="13">against gold</text>')
    return _svg(width, height, "Agreement per label", body)


def render(figures: Progress, *, title: str = "Progress") -> str:
    """The whole page."""
    people = _table(ANNOTATOR_HEADINGS, [[_b(p.name), *annotator_cells(p)[1:]] for p in figures.annotators])
    labels = _table(LABEL_HEADINGS, [[_b(lab.name), *label_cells(lab)[1:]] for lab in figures.labels])
    c = figures.corpus
    corpus = _table(["Documents", f"Finished by ≥ {c.k}", "Adjudicated", "Left"],
                    [[str(c.documents), str(c.finished_by_k), str(c.adjudicated), str(c.left)]])
    since = f" since {escape(figures.since)}" if figures.since else ""
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style></head><body>
<h1>{escape(title)}{since}</h1>
<h2>Corpus</h2>{corpus}
<h2>Annotators</h2>{people}
<p class="note">Done, skipped, in progress: the annotator's layers with that status. Agreement: span F1
(exact start, end and label) against each other annotator on the documents both marked done, pooled
over the pairs; against gold on adjudicated documents they marked done. Active hours: time measured
in the window (and imported from other tools).</p>
<h2>Labels</h2>{labels}
<div class="plot"><h2>Documents done per day</h2>{done_per_day(figures)}
<p class="note">Layers marked done on each UTC day (the day their status last changed).</p></div>
<div class="plot"><h2>Active time against agreement</h2>{time_against_agreement(figures)}
<p class="note">One dot per document two or more annotators marked done (at most {MAX_POINTS} drawn).</p></div>
<div class="plot"><h2>Agreement per label</h2>{label_agreement(figures)}</div>
</body></html>
"""


def report_title(db: str | Path | None) -> str:
    """The page's title: the database file's name, or a team database's (never its URL's
    host, socket folder or password)."""
    text = str(db) if db else ""
    if text.startswith(("postgresql://", "postgres://")):
        return f"Progress: {urlsplit(text).path.strip('/') or 'team database'}"
    return f"Progress: {Path(text).name if text else 'annotator'}"


def write(output: Path, figures: Progress, *, title: str = "Progress") -> None:
    """Write the page to ``output``: it appears only when complete, as an export's does, and a
    failure (OSError) leaves nothing behind."""
    output = Path(output)
    partial = output.with_name(output.name + ".partial")
    try:
        partial.write_text(render(figures, title=title), encoding="utf-8")
        partial.replace(output)
    except OSError:
        partial.unlink(missing_ok=True)
        raise
