"""Generated documents as bytes: PDFs (xhtml2pdf, Chinese font embedded), QR codes, cells of
exported spreadsheets, PNG pictures of an uploaded PDF's pages (poppler's pdftoppm).

The Chinese font is WenQuanYi Zen Hei (Debian `fonts-wqy-zenhei`, installed by
.ci/run and the README's set-up); ZLCP_CJK_FONT points elsewhere if needed. It is
registered once with reportlab, so PDFs embed the glyphs and `pdftotext` gives the
Chinese text back.
"""

import base64
import io
import os
import re
import shutil
import subprocess
import tempfile
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import qrcode
import qrcode.image.svg
from flask import render_template
from reportlab import rl_config
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from xhtml2pdf import pisa
from xhtml2pdf.default import DEFAULT_FONT

from models import Page

FONT_NAME = "zlcp-cjk"
FONT_CANDIDATES = (
    os.environ.get("ZLCP_CJK_FONT", ""),
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
)


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def register_font():
    for path in FONT_CANDIDATES:
        if path and os.path.exists(path):
            pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
            DEFAULT_FONT[FONT_NAME] = FONT_NAME  # xhtml2pdf's CSS font-family lookup
            # Images as binary streams: reportlab's ASCII85 encoding of them runs in pure Python
            # here (no rl_accel) and took most of a certificate's time (30 ms per image).
            rl_config.useA85 = 0
            return path
    raise FontMissing("No CJK font found: install fonts-wqy-zenhei or set ZLCP_CJK_FONT")


def render_pdf(template, **context):
    """Render a Jinja template (templates/documents/…) to PDF bytes."""
    register_font()
    html = render_template(template, font_name=FONT_NAME, **context)
    out = io.BytesIO()
    # capacity=-1: xhtml2pdf keeps its working copies in memory (past its default 100 KB, e.g.
    # a page with data: images, it spilled to a temporary file it never closed).
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8", capacity=-1)
    if result.err:
        raise RuntimeError(f"PDF rendering failed: {result.err}")
    return out.getvalue()


def qr_png(url, box_size=8):
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2)
    qr.add_data(url)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buf, format="PNG")
    return buf.getvalue()


def qr_svg(url):
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue()


def qr_data_uri(url):
    return "data:image/png;base64," + base64.b64encode(qr_png(url, box_size=4)).decode()


def commitment_letter_pdf(unit_name, credit_code):
    """诚信承诺书 template pre-filled with the unit's name and credit code."""
    page = Page.get_by_id("commitment_letter")
    body = page.body.replace("{unit_name}", unit_name or "＿＿＿＿").replace(
        "{credit_code}", credit_code or "＿＿＿＿"
    )
    paragraphs = [p.strip() for p in body.split("\n") if p.strip() and not p.startswith("#")]
    return render_pdf("documents/commitment_letter.html", title=page.title, paragraphs=paragraphs,
                      unit_name=unit_name, credit_code=credit_code)


# ---------------------------------------------------------------- exported spreadsheets

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """A value as a cell of an exported CSV or XLSX file. Text a spreadsheet would take for a
    formula (=HYPERLINK(…), +…, -…, @…, or after a tab or carriage return) gets a leading
    single quote, as OWASP advises against CSV injection, so Excel and WPS show it as text;
    numbers, dates and None pass unchanged, anything else becomes plain text."""
    if value is None or isinstance(value, (int, float, Decimal, date)):
        return value
    text = str(value)  # also a LazyString or Markup: plain text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# ---------------------------------------------------------------- PDF pages as pictures

PDF_PREVIEW_PAGES = 10  # the review pages show the first pages; the rest by download
PDF_PREVIEW_DPI = 100
PDF_TOOL_TIMEOUT = 30  # seconds per call of pdfinfo / pdftoppm


def can_draw_pdf():
    return shutil.which("pdfinfo") is not None and shutil.which("pdftoppm") is not None


def pdf_page_count(path):
    """The number of pages of the PDF file at `path`, or None when it cannot be told
    (poppler-utils missing, a broken or password-protected file, a timeout)."""
    tool = shutil.which("pdfinfo")
    if tool is None:
        return None
    try:
        out = subprocess.run([tool, str(path)], capture_output=True, timeout=PDF_TOOL_TIMEOUT, check=True).stdout
    except (subprocess.SubprocessError, OSError):
        return None
    found = re.search(rb"^Pages:\s+(\d+)\s*$", out, re.MULTILINE)
    return int(found.group(1)) if found else None


def pdf_page_png(path, number, dpi=PDF_PREVIEW_DPI):
    """Page `number` (from 1) of the PDF file at `path` as PNG bytes, drawn by pdftoppm —
    a picture, so no script of the PDF ever runs in a browser. None when it cannot be drawn."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "page"
        try:
            subprocess.run([tool, "-png", "-r", str(dpi), "-f", str(number), "-l", str(number), "-singlefile",
                            str(path), str(target)], capture_output=True, timeout=PDF_TOOL_TIMEOUT, check=True)
        except (subprocess.SubprocessError, OSError):
            return None
        png = target.with_suffix(".png")
        return png.read_bytes() if png.exists() else None
