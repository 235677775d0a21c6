"""storage.py: type by content, size limits, random keys outside the web root, and
permission-checked downloads."""

import hashlib
from pathlib import Path

import pytest

from infra import storage
from models import StoredFile


def test_png_upload_is_stored_under_a_random_key_outside_static(app, make):
    data = make.png()
    stored = storage.save_bytes(data, "营业执照.png", storage.check(data, "营业执照.png", storage.DOCUMENT_KINDS))
    assert stored.kind == "png" and stored.content_type == "image/png"
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.original_name == "营业执照.png" and "营业执照" not in stored.key
    path = Path(app.config["STORAGE_ROOT"]) / stored.key[:2] / stored.key
    assert path.read_bytes() == data
    assert Path(app.static_folder) not in path.parents


def test_renamed_executable_is_refused_with_a_clear_message(make):
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
    with pytest.raises(storage.UploadError) as exc:
        storage.check(elf, "licence.pdf", storage.DOCUMENT_KINDS)
    assert str(exc.value.message) == "文件“licence.pdf”的格式不受支持，仅支持png, jpg, bmp, PDF格式"


def test_truncated_image_is_refused(make):
    data = make.png(size=(400, 300))
    with pytest.raises(storage.UploadError) as exc:
        storage.check(data[: len(data) // 2], "photo.png", storage.IMAGE_KINDS)
    assert "已损坏或不完整" in str(exc.value.message)


def test_oversized_image_is_refused_with_the_limit(app, make):
    big = make.png() + b"\x00" * (app.config["UPLOAD_LIMITS"]["image"] + 1)
    with pytest.raises(storage.UploadError) as exc:
        storage.check(big, "big.png", storage.IMAGE_KINDS)
    assert str(exc.value.message) == "文件“big.png”大小超过5M，请压缩后重新上传"


def test_pdf_where_only_images_are_allowed_is_refused(make):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert storage.check(pdf, "a.pdf", storage.DOCUMENT_KINDS) == "pdf"
    with pytest.raises(storage.UploadError):
        storage.check(pdf, "a.pdf", storage.IMAGE_KINDS)


def test_private_file_is_served_to_owner_and_staff_only(client, make, login):
    owner = make.unit_user()
    stored = make.stored_png(owner)
    url = f"/files/{stored.key}"
    assert client.get(url).status_code == 404  # anonymous
    login(make.unit_user())
    assert client.get(url).status_code == 404  # another unit
    client.post("/logout")
    login(owner)
    resp = client.get(url)
    assert resp.status_code == 200 and resp.data == storage.read(stored)
    client.post("/logout")
    login(make.staff("reviewer"))
    assert client.get(url).data == storage.read(StoredFile.get_by_id(stored.id))


def _png_claiming(width, height):
    """A tiny, valid PNG header that claims width × height pixels (a decompression bomb's
    header: opening it is cheap, decoding it is not)."""
    import struct
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_before_it_is_decoded(app, make):
    with pytest.raises(storage.UploadError) as exc:
        storage.check(_png_claiming(20000, 20000), "产品主图.png", storage.IMAGE_KINDS)
    assert str(exc.value.message) == "图片“产品主图.png”尺寸过大（20000×20000像素），请缩小到4000万像素以内后重新上传"
    with pytest.raises(storage.UploadError) as exc:  # 1.4 × the limit: still refused, no 500
        storage.check(_png_claiming(12000, 12000), "大图.png", storage.IMAGE_KINDS)
    assert "尺寸过大" in str(exc.value.message)


def test_a_bomb_in_the_verification_form_is_reported_at_its_field_and_the_rest_kept(client, make, login):
    import io

    login(make.unit_user())
    resp = client.post("/portal/verification", data={
        "name": "示例科技有限公司", "registered_address": "深圳市南山区",
        "license_file": (io.BytesIO(_png_claiming(20000, 20000)), "营业执照.png"),
        "commitment_file": (io.BytesIO(make.png()), "诚信承诺书.png"),
    }, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "图片“营业执照.png”尺寸过大（20000×20000像素）" in html
    assert 'value="示例科技有限公司"' in html and 'value="深圳市南山区"' in html
    assert "诚信承诺书.png" in html  # the good upload is kept
