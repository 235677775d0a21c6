"""Static files served before Flask, fingerprinted and compressed; dynamic responses compressed.

- `url_for('static', filename=…)` (and Flask-Admin's `admin.static`) gives a fingerprinted
  address, `css/zlcp.<12 hex of its sha256>.css`. Such an address never changes meaning, so it
  is sent with `Cache-Control: max-age=315360000, public, immutable`; the plain address of the
  same file is sent with `no-cache` (revalidated by ETag / Last-Modified).
- WhiteNoise answers both before Flask, Talisman and the page cache run. A file is prepared the
  first time its address is built or asked for: copied under its fingerprinted name into
  STATIC_BUILD_DIR (relative: under the instance folder) with `.gz` and `.br` beside it, which
  WhiteNoise sends to a browser that accepts them. Names carry the content's hash, so workers
  and restarts share the folder safely and an edited file simply gets a new name.
- Flask-Compress compresses HTML, CSS, JS, JSON and SVG answers of Flask itself (brotli or
  gzip, whichever the browser accepts first in our order).
- The site's pages (templates/base.html) link `css/bootstrap-used.css`: Bootstrap's rules whose
  classes the project names somewhere (`used_css`), 37 KB of its 162 (8 KB of 24 gzipped).
  `flask zlcp css` (make css) writes it anew; a test fails while it is out of date. The back
  office keeps Flask-Admin's whole Bootstrap.
"""

import gzip
import hashlib
import os
import re
import tempfile
from pathlib import Path

import brotli
import tinycss2
from flask_compress import Compress
from werkzeug.security import safe_join
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor
from whitenoise.string_utils import decode_path_info

HASH_LENGTH = 12
FINGERPRINTED = re.compile(rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{HASH_LENGTH}}})(?P<ext>\.[A-Za-z0-9]+)$")
SKIP_COMPRESS = re.compile(r"\.({})$".format("|".join(map(re.escape, Compressor.SKIP_COMPRESS_EXTENSIONS))),
                           re.IGNORECASE)
COMPRESS_MIMETYPES = ["text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
                      "application/json", "application/problem+json", "application/xml", "image/svg+xml",
                      "image/x-icon", "image/vnd.microsoft.icon"]

compress = Compress()
BOOTSTRAP = "bootstrap/bootstrap4/css/bootstrap.min.css"  # in Flask-Admin's static folder
USED_CSS = "css/bootstrap-used.css"  # in the app's static folder
# Where the pages' class names are written: templates (but the back office's, which load the
# whole Bootstrap), scripts and Python (classes chosen in code).
CLASS_SOURCES = ("templates/**/*.html", "static/js/*.js", "*.py", "domain/**/*.py", "infra/**/*.py",
                 "public_site/**/*.py", "admin_app/**/*.py")
# A class name written as a prefix and an expression (alert-{{ kind }}, "badge-" ~ tone, f"text-{tone}",
# `m-${n}`, "btn-%s"): every class of that prefix counts as used.
CLASS_PREFIX = re.compile(r"([a-z][a-z0-9]*(?:-[a-z0-9]+)*-)(?=\{|\$\{|%s|['\"]\s*[~+])")
IN_MEMORY_UP_TO = 512 * 1024  # bytes: a static file (or its .gz/.br) this small is served from memory


def class_words(root):
    """(words, prefixes): every word the class sources under root hold, and the class prefixes
    they complete with an expression."""
    words, prefixes = set(), set()
    for pattern in CLASS_SOURCES:
        for path in sorted(Path(root).glob(pattern)):
            if "templates/admin/" in path.as_posix() or path.resolve() == Path(__file__).resolve():
                continue  # the back office's pages; this module, whose examples name classes
            text = path.read_text(encoding="utf-8")
            words.update(re.findall(r"[A-Za-z0-9_-]+", text))
            prefixes.update(CLASS_PREFIX.findall(text))
    return words, prefixes


def used_css(stylesheet, words, prefixes):
    """The stylesheet's rules whose selectors name only classes in words (or of a prefix in
    prefixes), leaving aside those a selector excludes with :not(). A selector list keeps its
    used selectors, @media and @supports their used rules; other at-rules (@keyframes,
    @font-face) stay whole, as do tag and attribute selectors: the base styles are all there."""
    def used(selector):
        named = re.sub(r":not\([^)]*\)", "", selector)  # .input-group:not(.has-validation) > …
        return all(name in words or name.startswith(tuple(prefixes))
                   for name in re.findall(r"\.(-?[A-Za-z_][A-Za-z0-9_-]*)", named))

    def rules(nodes):
        out = []
        for node in nodes:
            if node.type == "qualified-rule":
                kept = [sel for sel in tinycss2.serialize(node.prelude).split(",") if used(sel)]
                if kept:
                    out.append(",".join(sel.strip() for sel in kept) + "{" + tinycss2.serialize(node.content) + "}")
            elif node.type == "at-rule" and node.lower_at_keyword in ("media", "supports") and node.content:
                inner = rules(tinycss2.parse_rule_list(node.content, skip_whitespace=True, skip_comments=True))
                if inner:
                    out.append(f"@{node.at_keyword}{tinycss2.serialize(node.prelude)}{{{''.join(inner)}}}")
            elif node.type == "at-rule":
                out.append(tinycss2.serialize([node]))
        return out

    return "".join(rules(tinycss2.parse_stylesheet(stylesheet, skip_whitespace=True, skip_comments=True)))


def used_bootstrap(app):
    """(static/css/bootstrap-used.css as it should read now, the whole Bootstrap's size)."""
    source = (Path(app.blueprints["admin"].static_folder) / BOOTSTRAP).read_text(encoding="utf-8")
    css = used_css(source, *class_words(Path(app.root_path)))
    licence = re.match(r"\s*(/\*!.*?\*/)", source, re.DOTALL)
    header = (licence[1] + "\n" if licence else "") + "/* The rules this project uses: written by flask zlcp css. */\n"
    return header + css + "\n", len(source)


def write_used_css(app):
    """Write static/css/bootstrap-used.css anew; returns (Bootstrap's bytes, the subset's)."""
    text, whole = used_bootstrap(app)
    (Path(app.static_folder) / USED_CSS).write_text(text, encoding="utf-8")
    return whole, len(text.encode())


def fingerprinted_name(filename, digest):
    stem, dot, ext = filename.rpartition(".")
    if not dot or "/" in ext:
        return f"{filename}.{digest}"
    return f"{stem}.{digest}.{ext}"


def _write(path, data):
    """Write atomically (another worker may be writing the same content-addressed file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


class StaticFiles(WhiteNoise):
    """WhiteNoise over the app's static folders, preparing each file on first use."""

    def __init__(self, application, folders, build_dir):
        super().__init__(application, max_age=0, allow_all_origins=False,
                         add_headers_function=self._headers)
        self.folders = folders  # {url prefix "/static/": source folder}
        self.build_dir = Path(build_dir)
        self.immutable = set()  # fingerprinted urls
        self.names = {}  # (source path, mtime, size) -> fingerprinted file name
        self.bodies = {}  # path -> bytes of a file served from memory

    def immutable_file_test(self, path, url):
        return url in self.immutable

    def _headers(self, headers, path, url):
        if url not in self.immutable:
            headers["Cache-Control"] = "no-cache"
        headers["X-Content-Type-Options"] = "nosniff"

    def __call__(self, environ, start_response):
        url = decode_path_info(environ.get("PATH_INFO", ""))
        static_file = self.files.get(url) or self._prepare_url(url)
        if static_file is None:
            return self.application(environ, start_response)
        return self.serve(static_file, environ, start_response)

    def serve(self, static_file, environ, start_response):
        """WhiteNoise's answer, a small file's bytes sent from memory (read once per worker)
        instead of a file opened, sent and closed for every request."""
        if (environ["REQUEST_METHOD"] != "GET" or "HTTP_RANGE" in environ
                or not hasattr(static_file, "get_path_and_headers") or static_file.is_not_modified(environ)):
            return super().serve(static_file, environ, start_response)
        path, headers = static_file.get_path_and_headers(environ)
        body = self.bodies.get(path)
        if body is None:
            if os.path.getsize(path) > IN_MEMORY_UP_TO:
                return super().serve(static_file, environ, start_response)
            body = self.bodies[path] = Path(path).read_bytes()
        start_response("200 OK", list(headers))
        return [body]

    def fingerprint(self, prefix, filename):
        """The fingerprinted name of a file of the folder at `prefix`, preparing it; the name
        unchanged when there is no such file."""
        source = safe_join(self.folders[prefix], filename)
        if source is None or not os.path.isfile(source):
            return filename
        stat = os.stat(source)
        key = (source, stat.st_mtime_ns, stat.st_size)
        name = self.names.get(key)
        if name is None:
            name = self._prepare(prefix, filename, source)
            self.names[key] = name
        return name

    def _prepare_url(self, url):
        """A file asked for before this process built its address (another worker did)."""
        prefix = next((p for p in self.folders if url.startswith(p)), None)
        if prefix is None:
            return None
        filename = url[len(prefix):]
        match = FINGERPRINTED.match(filename)
        original = match["stem"] + match["ext"] if match else filename
        name = self.fingerprint(prefix, original)
        if name == original or (match and name != filename):
            return None  # no such file, or an old version's address: Flask answers 404
        return self.files.get(url)

    def _prepare(self, prefix, filename, source):
        data = Path(source).read_bytes()
        name = fingerprinted_name(filename, hashlib.sha256(data).hexdigest()[:HASH_LENGTH])
        built = self.build_dir / prefix.strip("/") / name
        if not built.exists():
            if not SKIP_COMPRESS.search(filename):
                for suffix, packed in ((".gz", gzip.compress(data, 9, mtime=0)), (".br", brotli.compress(data))):
                    if len(packed) < len(data) * 0.95:
                        _write(built.with_name(built.name + suffix), packed)
            _write(built, data)  # last: its presence says the variants are there too
        self.immutable.add(prefix + name)
        self.add_file_to_dictionary(prefix + name, str(built))
        self.add_file_to_dictionary(prefix + filename, str(built))
        return name


def init_app(app):
    """Serve the static folders of the app and its blueprints (Flask-Admin's) through
    StaticFiles, have url_for build fingerprinted addresses, compress dynamic answers.
    Call after every blueprint is registered."""
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESS_MIMETYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_STREAMS", False)  # a streamed export keeps streaming
    compress.init_app(app)
    build_dir = Path(app.instance_path) / app.config["STATIC_BUILD_DIR"]
    endpoints = {"static": app.static_url_path + "/"}
    folders = {app.static_url_path + "/": app.static_folder}
    for name, blueprint in app.blueprints.items():
        if blueprint.static_folder and blueprint.static_url_path:
            prefix = (blueprint.url_prefix or "") + blueprint.static_url_path + "/"
            endpoints[f"{name}.static"] = prefix
            folders[prefix] = blueprint.static_folder
    static_files = StaticFiles(app.wsgi_app, folders, build_dir)
    app.wsgi_app = static_files
    app.extensions["zlcp_static_files"] = static_files

    @app.url_defaults
    def fingerprint(endpoint, values):
        if endpoint in endpoints and "filename" in values:
            values["filename"] = static_files.fingerprint(endpoints[endpoint], values["filename"])
