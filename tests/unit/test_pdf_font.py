"""The PDF documents' CJK font (api/pdf.py): each document gets a font of only the glyphs
its text uses, built from the installed CJK font, with that font's own outlines and
advance widths, so a letter reads and looks as it did with the whole font."""

from __future__ import annotations

from io import BytesIO

import pytest
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from api.letter import render_pdf
from api.pdf import cjk_font, font_for


def _outline(font: TTFont, char: str) -> tuple[list, tuple[int, int]]:
    name = font.getBestCmap()[ord(char)]
    glyphs = font.getGlyphSet()
    pen = DecomposingRecordingPen(glyphs)
    glyphs[name].draw(pen)
    return pen.value, font["hmtx"][name]


@pytest.fixture(scope="module")
def full() -> TTFont:
    return TTFont(cjk_font(), fontNumber=0)


def test_a_documents_font_holds_its_characters_with_the_fonts_own_outlines(full):
    built = TTFont(BytesIO(font_for("王秀英，南湖路8号")))
    cmap = built.getBestCmap()
    # the text's characters and printable ASCII (95), nothing else
    assert set(cmap) == {ord(c) for c in "王秀英，南湖路号"} | set(range(0x20, 0x7F))
    for char in "王秀英，南湖路8A":
        assert _outline(built, char) == _outline(full, char), char
    assert len(built.getGlyphOrder()) < 300  # of the whole font's 49,531 (WenQuanYi)


def test_a_character_the_font_lacks_is_left_out_and_the_rest_kept(full):
    assert 0x20000 not in full.getBestCmap()  # 𠀀, CJK Extension B: not in WenQuanYi
    built = TTFont(BytesIO(font_for("𠀀王")))
    assert 0x20000 not in built.getBestCmap()
    assert _outline(built, "王") == _outline(full, "王")


def test_the_notice_letter_pdf_carries_its_text(full):
    """The letter of an approval (POLICY ch. 14): its words can be read back from the PDF
    (the ToUnicode map of the built font), the amount among them."""
    letter = {
        "title": "救助审核确认告知书（批准）",
        "applicant": "王秀英",
        "address": "南湖路8号",
        "region_code": "330402",
        "decision_text": "决定予以批准：750.00 元/月，自 2025年2月1日 起享受。",
        "explanation": "(15,000.00 - 6,000.00) / 12 = 750.00",
        "appeal_days": 60,
        "appeal_until": "2025年3月14日",
        "decided_by": "approver-wang",
        "decided_on": "2025年1月13日",
        "served_on": "2025年1月13日",
        "reference": "申请编号 A-1",
    }
    pdf = render_pdf(letter)
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    compact = "".join(text.split())
    wanted = ("告知书（批准）", "王秀英", "750.00元/月", "2025年2月1日", "approver-wang")
    for words in wanted:
        assert words in compact, words
