"""Uploaded and generated files: type by content, size limits, random keys outside the
web root, sha256, and permission-checked access.

The backend is local disk under STORAGE_ROOT; `Backend` is the interface an
S3-compatible store would implement.
"""

import hashlib
import io
import re
import secrets
import tempfile
import zlib
from contextlib import contextmanager
from pathlib import Path

import filetype
from flask import abort, current_app, send_file
from flask_babel import lazy_gettext as _l
from PIL import BmpImagePlugin, JpegImagePlugin, PngImagePlugin, UnidentifiedImageError

from infra import documents, validators
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


# A PDF's actions that run something when it is opened or used: JavaScript (also behind
# /OpenAction), additional actions (/AA: on opening a page, focusing a field…) and /Launch.
# Names are compared after their #xx escapes are decoded (/J#53 is /JS).
PDF_SCRIPT_NAMES = {b"JavaScript", b"JS", b"AA", b"Launch"}
_NAME_CHAR = rb"[^\x00\t\n\f\r ()<>\[\]{}/%]"  # a name runs until whitespace or a delimiter
_SCRIPT_NAME = re.compile(rb"/(?:" + b"|".join(PDF_SCRIPT_NAMES) + rb")(?!" + _NAME_CHAR + rb")")
_ESCAPED_NAME = re.compile(rb"/(" + _NAME_CHAR + rb"*#[0-9A-Fa-f]{2}" + _NAME_CHAR + rb"*)")
# The keyword that opens a stream's data ("endstream" is told apart in _inflated_streams: a
# look-behind here would keep the regex engine from its fast literal search, 40× slower).
_PDF_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")
PDF_INFLATE_BUDGET = 64 * 1048576  # bytes of compressed streams unpacked per file, at most


def _has_script_name(data):
    if _SCRIPT_NAME.search(data):
        return True
    for match in _ESCAPED_NAME.finditer(data):
        name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        if name in PDF_SCRIPT_NAMES:
            return True
    return False


def _inflated_streams(data):
    """The content of the file's Flate-compressed streams (object streams hold dictionaries
    where a script can hide), images left out, PDF_INFLATE_BUDGET bytes in all."""
    budget = PDF_INFLATE_BUDGET
    for match in _PDF_STREAM.finditer(data):
        if data[max(0, match.start() - 3):match.start()] == b"end":
            continue
        head = data[max(0, match.start() - 4096):match.start()]
        head = head[head.rfind(b"obj") + 1:]  # the stream's own dictionary
        if b"/FlateDecode" not in head or b"/Image" in head:
            continue
        inflate, position, chunks = zlib.decompressobj(), match.end(), []
        try:
            while not inflate.eof and position < len(data) and budget > 0:
                piece = data[position:position + 65536]
                position += len(piece)
                chunks.append(inflate.decompress(piece, budget))
                budget -= len(chunks[-1])
        except zlib.error:
            pass  # not (or not entirely) Flate data: what was unpacked is still looked at
        yield b"".join(chunks)
        if budget <= 0:
            return


def pdf_has_script(data):
    """Whether a PDF carries JavaScript or other actions that run on their own (see
    PDF_SCRIPT_NAMES), in its plain dictionaries or inside compressed object streams."""
    return _has_script_name(data) or any(_has_script_name(chunk) for chunk in _inflated_streams(data))


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
    if kind == "pdf" and pdf_has_script(data):
        raise UploadError(_l("PDF文件“%(name)s”含有脚本，请另存为不含脚本的PDF后重新上传", name=filename))
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


def take_uploads(files, data, owner, names, allowed=DOCUMENT_KINDS):
    """The uploads of a form's file fields `names`, each stored at once when valid (so an
    error elsewhere in the form loses none of them).

    Returns ({name: StoredFile}, {name: message}). A field without a new upload keeps the
    file already uploaded in this form (hidden `<name>_id`, owned by the same user).
    """
    stored, errors = {}, {}
    for name in names:
        upload = files.get(name)
        if upload and upload.filename:
            try:
                stored[name] = save_upload(upload, allowed, owner=owner)
            except UploadError as exc:
                errors[name] = exc.message
            continue
        kept = validators.row_id(data.get(f"{name}_id"))
        if kept is not None:
            row = StoredFile.get_or_none(StoredFile.id == kept, StoredFile.owner == owner)
            if row is not None:
                stored[name] = row
    return stored, errors


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
    """Stream a file after the permission check (404, not 403, to hide existence). A PDF is
    always a download: opened in the browser's viewer its scripts would run (pages show PDFs
    as pictures, see pdf_preview)."""
    if stored is None or not may_read(stored, user):
        abort(404)
    return send_file(
        io.BytesIO(read(stored)),
        mimetype=stored.content_type,
        as_attachment=as_attachment or stored.kind == "pdf",
        download_name=stored.original_name,
        max_age=0,
    )


# ---------------------------------------------------------------- PDFs shown as pictures


def _preview_dir(stored):
    return Path(current_app.instance_path) / "cache" / "pdf-pages" / stored.sha256


def _keep(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


@contextmanager
def _as_file(stored):
    """The stored bytes in a temporary file (poppler's tools read files)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(read(stored))
        tmp.flush()
        yield tmp.name


def pdf_preview(stored):
    """(pages shown as pictures, pages in all) of a stored PDF on the review pages: at most
    documents.PDF_PREVIEW_PAGES. (0, None) when it cannot be drawn here (poppler-utils missing,
    a broken or password-protected file): the page then offers the download only."""
    if not documents.can_draw_pdf():
        return 0, None
    known = _preview_dir(stored) / "pages"
    if known.exists():
        total = int(known.read_text() or 0)
    else:
        with _as_file(stored) as path:
            total = documents.pdf_page_count(path) or 0
        _keep(known, str(total).encode())
    return min(total, documents.PDF_PREVIEW_PAGES), total or None


def send_pdf_page(stored, user, number):
    """Page `number` of a stored PDF as a PNG picture, after the permission check; drawn once
    and kept under instance/cache/pdf-pages/ (a page that cannot be drawn is remembered too)."""
    if stored is None or stored.kind != "pdf" or not may_read(stored, user):
        abort(404)
    shown, _total = pdf_preview(stored)
    if not 1 <= number <= shown:
        abort(404)
    png_path = _preview_dir(stored) / f"{number}.png"
    if not png_path.exists() and not png_path.with_suffix(".failed").exists():
        with _as_file(stored) as path:
            png = documents.pdf_page_png(path, number)
        _keep(png_path if png else png_path.with_suffix(".failed"), png or b"")
    if not png_path.exists():
        abort(404)
    return send_file(io.BytesIO(png_path.read_bytes()), mimetype="image/png", max_age=0)
