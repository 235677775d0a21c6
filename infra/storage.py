"""Uploaded and generated files: type by content, size limits, random keys outside the
web root, sha256, and permission-checked access.

The backend is local disk under STORAGE_ROOT; `Backend` is the interface an
S3-compatible store would implement.
"""

import hashlib
import io
import secrets
from pathlib import Path

import filetype
from flask import abort, current_app, send_file
from flask_babel import lazy_gettext as _l
from PIL import BmpImagePlugin, JpegImagePlugin, PngImagePlugin, UnidentifiedImageError

from models import StoredFile

# kind -> (content types, limit key in UPLOAD_LIMITS)
KINDS = {
    "png": ("image/png", "image"),
    "jpg": ("image/jpeg", "image"),
    "bmp": ("image/bmp", "image"),
    "pdf": ("application/pdf", "pdf"),
    "mp4": ("video/mp4", "video"),
}
IMAGE_KINDS = ("png", "jpg", "bmp")
DOCUMENT_KINDS = ("png", "jpg", "bmp", "pdf")  # licences, commitment letters
KIND_LABELS = {"png": "png", "jpg": "jpg", "bmp": "bmp", "pdf": "PDF", "mp4": "mp4"}
IMAGE_READERS = {"png": PngImagePlugin.PngImageFile, "jpg": JpegImagePlugin.JpegImageFile,
                 "bmp": BmpImagePlugin.BmpImageFile}


class UploadError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class LocalBackend:
    def __init__(self, root):
        self.root = Path(root)

    def _path(self, key):
        return self.root / key[:2] / key

    def put(self, key, data):
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def get(self, key):
        return self._path(key).read_bytes()

    def delete(self, key):
        self._path(key).unlink(missing_ok=True)


def backend():
    return LocalBackend(current_app.config["STORAGE_ROOT"])


def sniff(data):
    """The file's real kind from its bytes (png/jpg/bmp/pdf/mp4) or None."""
    guess = filetype.guess(data[:8192])
    if guess is None:
        return None
    kind = {"jpg": "jpg", "png": "png", "bmp": "bmp", "pdf": "pdf", "mp4": "mp4", "m4v": "mp4"}.get(
        guess.extension
    )
    return kind


def _image_problem(data, filename):
    """None for a whole image of a sane size; else the message. The size comes from the
    header before any pixel is decoded: a small file can claim 20000×20000 pixels (a
    decompression bomb) and decoding it would take gigabytes."""
    limit = current_app.config["UPLOAD_MAX_PIXELS"]
    try:
        # The format's own reader parses the header only (Image.open would refuse a bomb
        # with an error of its own before telling its size).
        with IMAGE_READERS[sniff(data)](io.BytesIO(data)) as img:
            width, height = img.size
            if width * height > limit:
                return _l("图片“%(name)s”尺寸过大（%(width)s×%(height)s像素），请缩小到%(limit)s万像素以内后重新上传",
                          name=filename, width=width, height=height, limit=limit // 10000)
            img.load()  # decodes every pixel: a truncated image fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, KeyError):
        return _l("图片“%(name)s”已损坏或不完整，无法打开", name=filename)
    return None


def _verify_pdf(data):
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]


def _human(nbytes):
    return f"{nbytes / 1048576:.0f}M"


def check(data, filename, allowed):
    """Return the file's kind, or raise UploadError with the reason in Chinese."""
    allowed_text = ", ".join(KIND_LABELS[k] for k in allowed)
    if not data:
        raise UploadError(_l("文件“%(name)s”为空", name=filename))
    kind = sniff(data)
    if kind not in allowed:
        raise UploadError(
            _l("文件“%(name)s”的格式不受支持，仅支持%(kinds)s格式", name=filename, kinds=allowed_text)
        )
    limit = current_app.config["UPLOAD_LIMITS"][KINDS[kind][1]]
    if len(data) > limit:
        raise UploadError(
            _l("文件“%(name)s”大小超过%(limit)s，请压缩后重新上传", name=filename, limit=_human(limit))
        )
    problem = _image_problem(data, filename) if kind in IMAGE_KINDS else None
    if problem:
        raise UploadError(problem)
    if kind == "pdf" and not _verify_pdf(data):
        raise UploadError(_l("PDF文件“%(name)s”已损坏或不完整", name=filename))
    return kind


def save_bytes(data, filename, kind, owner=None, public=False):
    """Store bytes already checked (or generated) and return the StoredFile row."""
    key = secrets.token_hex(16)
    backend().put(key, data)
    return StoredFile.create(
        key=key,
        original_name=Path(filename or f"file.{kind}").name[:255],
        size=len(data),
        content_type=KINDS.get(kind, ("application/octet-stream",))[0] if kind != "svg" else "image/svg+xml",
        kind=kind,
        sha256=hashlib.sha256(data).hexdigest(),
        owner=owner,
        public=public,
    )


def save_upload(file_storage, allowed, owner=None):
    """Check an uploaded werkzeug FileStorage and store it; raises UploadError."""
    data = file_storage.read()
    kind = check(data, file_storage.filename or "", allowed)
    return save_bytes(data, file_storage.filename, kind, owner=owner)


def read(stored):
    return backend().get(stored.key)


def delete(stored):
    backend().delete(stored.key)
    stored.delete_instance()


def may_read(stored, user):
    """Owner, staff, or anyone for a public file."""
    if stored.public:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_staff or stored.owner_id == user.id


def send(stored, user, as_attachment=False):
    """Stream a file after the permission check (404, not 403, to hide existence)."""
    if stored is None or not may_read(stored, user):
        abort(404)
    return send_file(
        io.BytesIO(read(stored)),
        mimetype=stored.content_type,
        as_attachment=as_attachment,
        download_name=stored.original_name,
        max_age=0,
    )
