"""Bundled fonts, so Persian and Hangul render on machines without such fonts."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase

from annotator.core.resources import resources_dir

PERSIAN_FAMILY = "Noto Sans Arabic"
KOREAN_FAMILY = "NanumGothic"
_loaded: list[str] = []


def load_bundled_fonts() -> list[str]:
    """Register resources/fonts/*.ttf with Qt (once); the families they add."""
    if not _loaded:
        for path in sorted((resources_dir() / "fonts").glob("*.ttf")):
            font_id = QFontDatabase.addApplicationFont(str(path))
            if font_id >= 0:
                _loaded.extend(QFontDatabase.applicationFontFamilies(font_id))
    return list(_loaded)


def article_font(direction: str, point_size: float) -> QFont:
    """The article font: the bundled face for the document's script first, then the other one,
    then whatever the system has (Qt falls back per character along this list)."""
    base = QFont()
    families = [PERSIAN_FAMILY, base.family(), KOREAN_FAMILY] if direction == "rtl" else [
        base.family(), KOREAN_FAMILY, PERSIAN_FAMILY]
    font = QFont()
    font.setFamilies(families)
    font.setPointSizeF(point_size)
    return font


def ui_font_families() -> list[str]:
    """Families for lists and panels, which mix Persian and Korean titles."""
    return [QFont().family(), KOREAN_FAMILY, PERSIAN_FAMILY]
