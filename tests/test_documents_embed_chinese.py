"""documents.py: PDFs carry their Chinese text (font embedded), QR codes decode."""

import shutil
import subprocess

import pytest

from infra import documents


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed")
def test_commitment_letter_pdf_gives_its_chinese_text_back(app, db_session, tmp_path):
    with app.test_request_context():
        pdf = documents.commitment_letter_pdf("深圳示范智能科技有限公司", "91440300MA5D7N8K2X")
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "诚信承诺书" in text
    assert "深圳示范智能科技有限公司" in text and "91440300MA5D7N8K2X" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [row for row in fonts.splitlines()[2:] if "WenQuanYi" in row]
    assert cjk and all(row.split()[-5] == "yes" for row in cjk)  # emb: glyphs embedded


def test_qr_code_png_and_svg_are_generated_in_memory():
    png = documents.qr_png("http://127.0.0.1:5000/m/abc")
    assert png.startswith(b"\x89PNG")
    svg = documents.qr_svg("http://127.0.0.1:5000/m/abc")
    assert b"<svg" in svg and b"<path" in svg
