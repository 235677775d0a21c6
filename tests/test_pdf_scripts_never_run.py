"""A PDF's scripts never run on the platform: an upload that carries JavaScript (or another
action that runs by itself) is refused at its field, and the review pages show a PDF as
pictures of its pages drawn on the server — never in the browser's PDF viewer, where the
script of a PDF uploaded before the check (or hidden from it) would run."""

import io
import re
import zlib

import pytest
from conftest import PASSWORD, screenshot

import workflows
from infra import storage
from models import AssetInfo, ProductFile, last_fiscal_year

ALERT = b"app.alert\\(\"pdf-script-ran\"\\)"


def build_pdf(objects, version=b"1.7"):
    """A PDF file of the given object bodies (object n is objects[n - 1]; 1 is the catalog),
    with a correct cross-reference table, so poppler and Chromium open it."""
    out = bytearray(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stream(data, extra=b""):
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def one_page_pdf(catalog_extra=b"", more=()):
    """A one-page PDF saying "Economic proof"; catalog_extra goes into the catalog (an
    /OpenAction…), `more` are further objects (numbered from 6)."""
    return build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
         b"/Resources << /Font << /F1 5 0 R >> >> >>"),
        stream(b"BT /F1 28 Tf 72 700 Td (Economic proof 2025) Tj ET"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *more,
    ])


def script_in_object_stream():
    """The JavaScript action sits in a compressed object stream: no /JS in the plain bytes."""
    action = b"<< /S /JavaScript /JS (" + ALERT + b") >>"
    body = b"6 0 " + action
    packed = zlib.compress(body)
    objstm = stream(packed, b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode ")
    return one_page_pdf(b"/OpenAction 6 0 R ", more=[objstm])


SCRIPTED = {
    "open_action_javascript": one_page_pdf(b"/OpenAction << /S /JavaScript /JS (" + ALERT + b") >> "),
    "names_javascript": one_page_pdf(b"/Names << /JavaScript 6 0 R >> ", more=[
        b"<< /Names [(x) << /S /JavaScript /JS (" + ALERT + b") >>] >>"]),
    "escaped_names": one_page_pdf(b"/OpenAction << /S /J#61vaScript /J#53 (" + ALERT + b") >> "),
    "page_additional_action": one_page_pdf(b"/AA << /WC << /S /JavaScript /JS (1) >> >> "),
    "launch": one_page_pdf(b"/OpenAction << /S /Launch /F (calc.exe) >> "),
    "compressed_object_stream": script_in_object_stream(),
}


def test_a_plain_pdf_is_accepted(db_session):
    assert storage.check(one_page_pdf(), "经济效益证明.pdf", storage.DOCUMENT_KINDS) == "pdf"
    # An /OpenAction that only opens page 1 runs nothing: accepted.
    pdf = one_page_pdf(b"/OpenAction [3 0 R /Fit] ")
    assert storage.check(pdf, "经济效益证明.pdf", storage.DOCUMENT_KINDS) == "pdf"


@pytest.mark.parametrize("name", sorted(SCRIPTED))
def test_a_pdf_carrying_a_script_is_refused(db_session, name):
    with pytest.raises(storage.UploadError) as exc:
        storage.check(SCRIPTED[name], "经济效益证明.pdf", storage.DOCUMENT_KINDS)
    assert str(exc.value.message) == "PDF文件“经济效益证明.pdf”含有脚本，请另存为不含脚本的PDF后重新上传"


def test_a_scripted_pdf_in_the_verification_form_is_refused_at_its_field(client, make, login):
    login(make.unit_user())
    resp = client.post("/portal/verification", data={
        "name": "示例科技有限公司",
        "license_file": (io.BytesIO(SCRIPTED["open_action_javascript"]), "营业执照.pdf"),
        "commitment_file": (io.BytesIO(one_page_pdf()), "诚信承诺书.pdf"),
    }, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "PDF文件“营业执照.pdf”含有脚本，请另存为不含脚本的PDF后重新上传" in html
    assert "诚信承诺书.pdf" in html  # the clean PDF is kept


def submitted_with_proof(make, proof):
    """A submitted product whose 经济效益证明 is `proof`, stored as it is (as if uploaded before
    the check existed); returns (product, the proof's StoredFile)."""
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    product = make.complete_product(unit)
    link = ProductFile.get(ProductFile.product == product, ProductFile.kind == "economic_proof")
    stored = storage.save_bytes(proof, "经济效益证明.pdf", "pdf", owner=unit.user)
    ProductFile.update(file=stored).where(ProductFile.id == link.id).execute()
    return workflows.apply(product, "submit", unit.user), stored


def test_review_page_shows_a_pdf_as_pictures_of_its_pages_never_embedded(client, make, login):
    product, stored = submitted_with_proof(make, SCRIPTED["open_action_javascript"])
    login(make.staff("reviewer"))
    html = client.get(f"/admin/review_products/{product.id}").get_data(as_text=True)
    assert not re.search(r"<(object|embed|iframe)\b", html)  # no plugin, no frame: no PDF viewer
    page_url = f"/files/{stored.key}/pages/1.png"
    assert f'src="{page_url}"' in html and 'alt="经济效益证明.pdf 第1页"' in html
    picture = client.get(page_url)
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert picture.data.startswith(b"\x89PNG\r\n\x1a\n") and len(picture.data) > 1000
    assert client.get(f"/files/{stored.key}/pages/2.png").status_code == 404  # a one-page PDF
    # The PDF itself is only ever a download, in a sandbox should a browser render it anyway.
    raw = client.get(f"/files/{stored.key}")
    assert raw.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in raw.headers["Content-Security-Policy"]
    assert "object-src 'none'" in client.get(f"/admin/review_products/{product.id}").headers[
        "Content-Security-Policy"]


def test_pictures_of_a_private_pdf_are_for_its_owner_and_staff_only(client, make, login):
    _product, stored = submitted_with_proof(make, one_page_pdf())
    url = f"/files/{stored.key}/pages/1.png"
    assert client.get(url).status_code == 404  # anonymous
    login(make.unit_user())
    assert client.get(url).status_code == 404  # another unit


def test_a_pdf_that_cannot_be_drawn_is_offered_as_a_download(client, make, login):
    product, stored = submitted_with_proof(make, b"%PDF-1.4\n%%EOF\n")
    login(make.staff("reviewer"))
    html = client.get(f"/admin/review_products/{product.id}").get_data(as_text=True)
    assert "无法在页面中预览此PDF，请下载查看。" in html and f"/files/{stored.key}?download=1" in html
    assert client.get(f"/files/{stored.key}/pages/1.png").status_code == 404


@pytest.mark.browser
def test_reviewer_opens_a_filing_with_a_scripted_pdf_and_no_script_runs(page, live_server, make):
    from test_browser_accounts import sign_in

    product, stored = submitted_with_proof(make, SCRIPTED["open_action_javascript"])
    make.staff("reviewer", username="PdfReviewer01")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server, "PdfReviewer01", PASSWORD, path="/admin/login")
    page.goto(f"{live_server}/admin/review_products/{product.id}")
    picture = page.get_by_alt_text("经济效益证明.pdf 第1页")
    picture.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
    assert picture.evaluate("img => img.naturalWidth") > 500  # drawn at 100 dpi: 850 px wide
    page.wait_for_timeout(1500)  # what Chromium's PDF viewer needed to run the script
    assert dialogs == []
    assert not [f.url for f in page.frames if f.url.startswith("chrome-extension:") or stored.key in f.url]
    screenshot(page, "review-pdf-as-pictures")
