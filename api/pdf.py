"""PDFs in Chinese (the notice letters, the audit report): an A4 document with a CJK font.

A CJK font is large (WenQuanYi Micro Hei: 49,531 glyphs, 5 MB) and fpdf2 reads the whole
of it for every document it is added to, then subsets it again when the document is
written: about 700 ms a letter, all of it the font. So the font is read once a process
(`_Source`, kept), and each document is given a font of only the glyphs its own text uses,
built from the kept tables with fontTools' FontBuilder (a few hundred glyphs: a few
milliseconds to build, and fpdf2 reads it in a few more). The glyphs, their advance
widths and the font's vertical metrics are the original font's, so a document looks as
it did with the whole font.
"""

from __future__ import annotations

import atexit
import copy
import glob
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from fontTools.fontBuilder import FontBuilder
from fontTools.ttLib import TTFont
from fpdf import FPDF

# Characters every document may need whatever its data: printable ASCII.
ALWAYS = "".join(chr(c) for c in range(0x20, 0x7F))


def cjk_font() -> str:
    """A font with Chinese glyphs: LEDGER_REPORT_FONT, or one Debian's packages install."""
    from services.settings import load_settings  # LEDGER_REPORT_FONT, read in the one place

    configured = load_settings().report_font
    candidates = [str(configured) if configured else ""]
    for pattern in (
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    ):
        candidates += glob.glob(pattern)
    for path in candidates:
        if path and os.path.exists(path):
            return path
    raise FileNotFoundError(
        "no CJK font for the PDF report: install Debian's fonts-wqy-microhei or set "
        "LEDGER_REPORT_FONT to a TrueType font with Chinese glyphs"
    )


@dataclass
class _Source:
    """A font read once: its tables, and a lock (fontTools expands glyphs lazily, which
    two threads must not do to one glyph at once)."""

    font: TTFont
    cmap: dict[int, str]
    lock: threading.Lock


@lru_cache(maxsize=2)
def _source(path: str, modified: float) -> _Source:
    font = TTFont(path, fontNumber=0, lazy=True, recalcTimestamp=False)
    if "glyf" not in font:
        raise ValueError(f"{path}: a TrueType (glyf) font is needed for the PDF documents")
    return _Source(font, font.getBestCmap(), threading.Lock())


def font_for(text: str, path: str | None = None) -> bytes:
    """A TrueType font of the glyphs `text` needs (and printable ASCII), from the CJK font
    at `path` (default: `cjk_font()`). Characters the font lacks are left out (fpdf2
    draws them as it always did: as missing)."""
    path = path or cjk_font()
    source = _source(path, os.path.getmtime(path))
    with source.lock:
        return _build(source, set(text) | set(ALWAYS))


def _build(source: _Source, chars: set[str]) -> bytes:
    full = source.font
    glyf = full["glyf"]
    metrics = full["hmtx"].metrics
    cmap = {ord(c): source.cmap[ord(c)] for c in chars if ord(c) in source.cmap}
    order = [".notdef"]
    seen = {".notdef"}
    pending = sorted(set(cmap.values()))
    while pending:  # the glyphs and, for a composite glyph, the glyphs it is made of
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        order.append(name)
        glyph = glyf[name]
        if glyph.isComposite():
            pending.extend(c for c in glyph.getComponentNames(glyf) if c not in seen)
    glyphs = {name: copy.deepcopy(glyf[name]) for name in order}
    head, hhea, os2, post = full["head"], full["hhea"], full["OS/2"], full["post"]
    built = FontBuilder(head.unitsPerEm, isTTF=True)
    built.setupGlyphOrder(order)
    built.setupCharacterMap(cmap)
    built.setupGlyf(glyphs)
    built.setupHorizontalMetrics({name: metrics[name] for name in order})
    built.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
    names = full["name"]
    built.setupNameTable(
        {
            "familyName": names.getBestFamilyName() or "CJK",
            "styleName": names.getBestSubFamilyName() or "Regular",
        }
    )
    built.setupOS2(**_os2(os2))
    built.setupPost(
        isFixedPitch=post.isFixedPitch,
        italicAngle=post.italicAngle,
        underlinePosition=post.underlinePosition,
        underlineThickness=post.underlineThickness,
    )
    out = BytesIO()
    built.save(out)
    return out.getvalue()


def _os2(os2: Any) -> dict[str, Any]:
    keep = (
        "usWeightClass",
        "usWidthClass",
        "fsType",
        "sTypoAscender",
        "sTypoDescender",
        "sTypoLineGap",
        "usWinAscent",
        "usWinDescent",
        "yStrikeoutSize",
        "yStrikeoutPosition",
        "sxHeight",
        "sCapHeight",
    )
    return {k: getattr(os2, k) for k in keep if hasattr(os2, k)}


@lru_cache(maxsize=1)
def _scratch() -> Path:
    """The process's directory for the documents' fonts (fpdf2 reads a font from a file,
    and reads it again when the document is written), removed when the process ends."""
    folder = Path(tempfile.mkdtemp(prefix="ledger-pdf-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@contextmanager
def cjk_document(text: str) -> Iterator[FPDF]:
    """An A4 FPDF with the font `cjk` holding the glyphs of `text` (every string the
    document will write); write the document inside the `with`.

    The font goes to one file per thread, written over by the thread's next document (a
    thread writes one document at a time): making and removing a directory for each
    document cost more than the document on a busy disk (rmdir alone ~200 ms)."""
    font = _scratch() / f"cjk-{threading.get_ident()}.ttf"
    font.write_bytes(font_for(text))
    pdf = FPDF(format="A4")
    pdf.add_font("cjk", fname=str(font))
    yield pdf


def write_line(pdf: FPDF, height: float, text: str) -> None:
    """A line of text, broken over as many lines as the page's width needs. A line that
    fits is written as one cell, as `multi_cell` would have written it: fpdf2's line
    breaking measures the line again for every character it adds (a report's long event
    lines were most of the time it took to write one)."""
    if "\n" not in text and pdf.get_string_width(text) <= pdf.epw - 2 * pdf.c_margin:
        pdf.cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
