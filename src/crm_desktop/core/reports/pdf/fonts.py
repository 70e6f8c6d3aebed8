"""The CJK font embedded in every PDF, registered with reportlab once per process.

WenQuanYi Micro Hei ships in resources/fonts (licence next to it), so Chinese prints the same on
any PC whatever fonts it has. Registering it costs ~0.15 s and importing reportlab ~0.2 s
(PERF-FLOORS 6a), so both happen on first use, never at import time; a background thread may call
`cjk_font()` early to have it ready.
"""

from __future__ import annotations

import threading
from pathlib import Path

from crm_desktop.core.resources import resources_dir

FONT_NAME = "WQYMicroHei"
_lock = threading.Lock()
_registered = False


def font_path() -> Path:
    return resources_dir() / "fonts" / "wqy-microhei.ttc"


def cjk_font() -> str:
    """Register the shipped CJK font (first call only; thread-safe) and return its name."""
    global _registered
    if _registered:
        return FONT_NAME
    with _lock:
        if not _registered:
            from reportlab.lib.fonts import addMapping
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path()), subfontIndex=0))
            # One face only: <b>/<i> in a paragraph fall back to it instead of failing.
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
            _registered = True
    return FONT_NAME
