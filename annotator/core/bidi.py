"""Bidi for messages, without Qt: user text isolated by its own direction, and quoted short on
one line."""

from __future__ import annotations

import re
import unicodedata

FSI, PDI = "\u2068", "\u2069"  # first-strong isolate: the text takes the direction of its first letter
_RTL = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
_ARABIC_DIGITS = "\u0660-\u0669\u06f0-\u06f9"
# A run of right-to-left text inside other text: Persian letters and digits, the spaces, ZWNJ and
# Arabic punctuation between them, and guillemets around them («مشهد،»).
_RTL_RUN = re.compile(f"«?[{_RTL}{_ARABIC_DIGITS}](?:[{_RTL}{_ARABIC_DIGITS} \u200c\u060c\u061b\u061f]*"
                      f"[{_RTL}{_ARABIC_DIGITS}])?[\u060c\u061b\u061f]*»?")


def isolate(text: str) -> str:
    """``text`` isolated from what surrounds it (Unicode's first-strong isolate), so «۳ و ۴ دسامبر»
    shown in a left-to-right list keeps its order, and digits or Latin beside it keep theirs."""
    return f"{FSI}{text}{PDI}" if text else text


def isolate_runs(text: str) -> str:
    """Each right-to-left run inside mostly left-to-right text isolated (the guidelines'
    examples: «مشهد،» -> مشهد would otherwise read as one reversed run)."""
    return _RTL_RUN.sub(lambda m: isolate(m.group()), text)


def is_rtl(text: str) -> bool:
    """Whether the first letter with a direction is right-to-left."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def quoted(text: str, most: int = 40) -> str:
    """User text inside a message: on one line, shortened, isolated by its own direction."""
    text = " ".join(text.split())
    return isolate(text if len(text) <= most else text[:most - 1] + "…")
