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
