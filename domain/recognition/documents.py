"""The documents of a recognised product (manual §七(二), SPEC §7.3): the 认定证书 PDF, the QR
code (PNG and SVG) and the 认定标识 — the mark with the QR code (PNG and SVG).

generate() is the job "recognition.documents", queued after the commit of 认定 (the recognise
transition names it): it makes the five files, stores them (owned by the unit, private) and
keeps the digest of the data they were made from, so running it again — a retry, a second
worker, a portal page asking for missing documents — changes nothing until that data does
(a renamed unit, a new signing key, a changed SITE_URL or issuer).

The QR code carries the signed phone-page address (certificates.signed_url). Sizes are for
print: the PNGs are 300 dpi pictures (QR 40 mm, mark 100 × 125 mm), the SVGs are vector.
"""

import base64
import hashlib
import io
import json
import math
from functools import lru_cache

import qrcode
from flask import current_app
from PIL import Image, ImageDraw, ImageFont

import jobs
from domain.recognition.certificates import signed_url
from infra import documents, signing, storage
from models import Product, Recognition, Unit, db, shanghai_time
from workflows import RecognitionStatus

# Bump when the look of a document changes: every certificate is made again on the next run.
LAYOUT_VERSION = 1
JOB = "recognition.documents"
DPI = 300
QR_PRINT_MM = 40
MARK_MM = (100, 125)
SEAL_RED = (200, 16, 46)
MARK_BLUE = (31, 78, 140)
FILES = ("certificate_file", "qr_file", "qr_svg_file", "mark_file", "mark_svg_file")


def _mm(mm):
    return round(mm / 25.4 * DPI)


def inputs(rec):
    """Everything the documents show or encode; their digest decides whether to make them again."""
    product = rec.product
    return {
        "layout": LAYOUT_VERSION,
        "number": rec.certificate_number,
        "product": product.name,
        "model": product.model or "",
        "unit": product.unit.name,
        "credit_code": product.unit.credit_code or "",
        "token": product.token,
        "recognised_on": shanghai_time(rec.recognised_at, "%Y-%m-%d"),
        "valid_until": rec.valid_until.isoformat(),
        "issuer": current_app.config["CERTIFICATE_ISSUER"],
        "site": current_app.config["SITE_URL"].rstrip("/"),
        "key": signing.key_id(),
    }


def digest(values):
    return hashlib.sha256(json.dumps(values, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _load(recognition_id):
    return (Recognition.select(Recognition, Product, Unit).join(Product).join(Unit)
            .where(Recognition.id == recognition_id).first())


def ready(rec):
    """Whether the recognition's five documents exist."""
    return all(getattr(rec, f"{name}_id") for name in FILES)


def wanted(rec):
    """Whether a recognition should have documents: recognised, with a certificate number."""
    return rec.status == RecognitionStatus.RECOGNISED and bool(rec.certificate_number) and rec.valid_until


def ensure(rec):
    """Queue the documents job when a recognised product's documents are missing (a job that
    failed or never ran). True when they are there."""
    if ready(rec):
        return True
    if wanted(rec):
        jobs.enqueue(JOB, rec.id, queue=jobs.queue_of(JOB))
    return False


def generate(recognition_id):
    """The job: make the documents of one recognition when they are missing or their data
    changed. Returns "made", "unchanged" or "skipped" (not recognised)."""
    rec = _load(recognition_id)
    if rec is None or not wanted(rec):
        return "skipped"
    values = inputs(rec)
    new_digest = digest(values)
    if rec.documents_digest == new_digest and ready(rec):
        return "unchanged"
    files = make_files(rec, values)
    owner = rec.product.unit.user_id
    with db.database.atomic():
        stored = {name: storage.save_bytes(data, filename, kind, owner=owner)
                  for name, (data, filename, kind) in files.items()}
        # Conditional on the digest this run started from: a concurrent run that finished first wins.
        changed = (Recognition.update(documents_digest=new_digest, **{n: s.id for n, s in stored.items()})
                   .where(Recognition.id == rec.id, Recognition.documents_digest == rec.documents_digest)
                   .execute())
    old = [getattr(rec, f"{name}_id") for name in FILES] if changed else [s.id for s in stored.values()]
    for stored_file in storage.StoredFile.select().where(storage.StoredFile.id.in_([i for i in old if i])):
        storage.delete(stored_file)
    return "made" if changed else "unchanged"


def make_files(rec, values):
    """{Recognition column: (bytes, download name, kind)} of the five documents."""
    url = signed_url(rec)
    matrix = qr_matrix(url)
    number = values["number"]
    return {
        "certificate_file": (certificate_pdf(values, matrix), f"认定证书-{number}.pdf", "pdf"),
        "qr_file": (qr_print_png(matrix), f"二维码-{number}.png", "png"),
        "qr_svg_file": (qr_print_svg(matrix), f"二维码-{number}.svg", "svg"),
        "mark_file": (mark_png(matrix, values), f"认定标识-{number}.png", "png"),
        "mark_svg_file": (mark_svg(matrix, values), f"认定标识-{number}.svg", "svg"),
    }


# ---------------------------------------------------------------- QR code


def qr_matrix(url):
    """The QR code's modules (rows of booleans), with its quiet zone of 2 modules."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    qr.add_data(url)
    qr.make(fit=True)
    return qr.get_matrix()


def _qr_image(matrix, size):
    """The QR code as a black-on-white picture `size` pixels wide (whole pixels per module)."""
    count = len(matrix)
    box = max(1, size // count)
    img = Image.new("1", (count, count), 1)
    img.putdata([0 if dark else 1 for row in matrix for dark in row])
    return img.resize((count * box, count * box), Image.NEAREST).convert("RGB")


def _png(img, level=6):
    """PNG bytes at 300 dpi; `level` is zlib's (1: fastest, for pictures only the PDF reads)."""
    out = io.BytesIO()
    img.save(out, "PNG", dpi=(DPI, DPI), compress_level=level)
    return out.getvalue()


def qr_print_png(matrix):
    return _png(_qr_image(matrix, _mm(QR_PRINT_MM)).convert("1"))


def _qr_path(matrix, x=0, y=0, module=1.0):
    """SVG path data of the dark modules (one rectangle per run of a row)."""
    parts = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                parts.append(f"M{x + start * module:g},{y + r * module:g}h{(c - start) * module:g}"
                             f"v{module:g}h{-(c - start) * module:g}z")
            else:
                c += 1
    return "".join(parts)


def qr_print_svg(matrix):
    count = len(matrix)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{QR_PRINT_MM}mm" height="{QR_PRINT_MM}mm" '
            f'viewBox="0 0 {count} {count}" shape-rendering="crispEdges">'
            f'<rect width="{count}" height="{count}" fill="#fff"/><path fill="#000" d="{_qr_path(matrix)}"/></svg>\n'
            ).encode()


# ---------------------------------------------------------------- 认定标识


@lru_cache(maxsize=16)
def _font(size):
    return ImageFont.truetype(documents.register_font(), size, index=0)


def _centred(draw, y, text, size, fill, width):
    font = _font(size)
    left, _top, right, _bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((width - (right - left)) / 2 - left, y), text, font=font, fill=fill)


def mark_png(matrix, values):
    """认定标识: a blue-framed label — 专利密集型产品, the QR code, the certificate number and validity."""
    w, h = _mm(MARK_MM[0]), _mm(MARK_MM[1])
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    edge = _mm(3)
    draw.rectangle((edge, edge, w - edge, h - edge), outline=MARK_BLUE, width=_mm(1.6))
    draw.rectangle((edge, edge, w - edge, edge + _mm(24)), fill=MARK_BLUE)
    _centred(draw, edge + _mm(4), "专利密集型产品", _mm(11), "white", w)
    _centred(draw, edge + _mm(17), "PATENT-INTENSIVE PRODUCT", _mm(3.6), "white", w)
    qr = _qr_image(matrix, _mm(70))
    img.paste(qr, ((w - qr.width) // 2, edge + _mm(28)))
    y = edge + _mm(28) + qr.height + _mm(2)
    _centred(draw, y, f"证书编号 {values['number']}", _mm(5), MARK_BLUE, w)
    _centred(draw, y + _mm(7.5), f"有效期至 {values['valid_until']}", _mm(4.2), (60, 60, 60), w)
    return _png(img, level=3)


def mark_svg(matrix, values):
    w, h = MARK_MM
    count = len(matrix)
    qr_mm = 70
    module = qr_mm / count
    x, y = (w - qr_mm) / 2, 31
    font = "WenQuanYi Zen Hei, Noto Sans CJK SC, Microsoft YaHei, sans-serif"
    text_y = y + qr_mm + 6
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}">'
            f'<rect width="{w}" height="{h}" fill="#fff"/>'
            f'<rect x="3.8" y="3.8" width="{w - 7.6}" height="{h - 7.6}" fill="none" stroke="#1f4e8c" '
            f'stroke-width="1.6"/>'
            f'<rect x="3" y="3" width="{w - 6}" height="24" fill="#1f4e8c"/>'
            f'<g font-family="{font}" text-anchor="middle">'
            f'<text x="{w / 2}" y="16.5" font-size="11" fill="#fff">专利密集型产品</text>'
            f'<text x="{w / 2}" y="23.5" font-size="3.6" fill="#fff">PATENT-INTENSIVE PRODUCT</text>'
            f'<text x="{w / 2}" y="{text_y:g}" font-size="5" fill="#1f4e8c">证书编号 {_xml(values["number"])}</text>'
            f'<text x="{w / 2}" y="{text_y + 7:g}" font-size="4.2" fill="#3c3c3c">'
            f'有效期至 {values["valid_until"]}</text>'
            f'</g><path fill="#000" shape-rendering="crispEdges" d="{_qr_path(matrix, x, y, module)}"/></svg>\n'
            ).encode()


def _xml(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# ---------------------------------------------------------------- 认定证书


@lru_cache(maxsize=8)
def seal_png(issuer):
    """A round red seal: the issuer's name around a star, 认定专用章 across."""
    size = 600
    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    c = size / 2
    draw.ellipse((10, 10, size - 10, size - 10), outline=SEAL_RED, width=18)
    star = [(c + r * _cos(a), c - 40 + r * _sin(a)) for i in range(10)
            for r, a in [((85 if i % 2 == 0 else 34), -90 + i * 36)]]
    draw.polygon(star, fill=SEAL_RED)
    text = issuer[:24]
    font = _font(60 if len(text) <= 12 else 52)
    span = min(290, 24 * len(text))  # degrees the name covers, centred on the top
    for i, ch in enumerate(text):
        angle = -90 - span / 2 + span * (i + 0.5) / len(text)
        glyph = Image.new("RGBA", (80, 80), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((40, 40), ch, font=font, fill=SEAL_RED, anchor="mm")
        glyph = glyph.rotate(-(angle + 90), resample=Image.BICUBIC)
        r = c - 68
        img.alpha_composite(glyph, (int(c + r * _cos(angle) - 40), int(c + r * _sin(angle) - 40)))
    ImageDraw.Draw(img).text((c, c + 120), "认定专用章", font=_font(50), fill=SEAL_RED, anchor="mm")
    flat = Image.new("RGB", img.size, "white")  # printed on white: no transparency for the PDF to carry
    flat.paste(img, mask=img.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, "PNG")
    return out.getvalue()


def _cos(degrees):
    return math.cos(math.radians(degrees))


def _sin(degrees):
    return math.sin(math.radians(degrees))


def _data_uri(png):
    return "data:image/png;base64," + base64.b64encode(png).decode()


def certificate_pdf(values, matrix):
    """认定证书: A4 portrait, the certificate's data, its QR code and the issuer's seal."""
    qr = _data_uri(_png(_qr_image(matrix, 4 * len(matrix)).convert("1"), level=1))
    return documents.render_pdf("documents/certificate.html", v=values, qr=qr,
                                seal=_data_uri(seal_png(values["issuer"])),
                                verify_url=values["site"] + "/verify")
