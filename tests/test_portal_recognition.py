"""专利密集型产品认定管理 in the portal (manual §七): the tabs 公示中 / 已认定 / 撤销认定 / 已过期
with their counts; 认定证书, QR code and 认定标识 downloads for the unit's own recognised products
only; the reason and date of a revocation. And the public side: the home page lists the
products in notice with their end dates."""

import io
import re
import subprocess

import pytest
from PIL import Image
from test_public_products import filed_product, recognition, text_of

import workflows
from domain.recognition import documents
from domain.recognition.certificates import signed_url
from models import Recognition

pytestmark = pytest.mark.usefixtures("fixed_clock")  # notices count working days


def unit_with_all_four(make):
    """One unit's products in notice, recognised, revoked and expired."""
    first = filed_product(make, name="公示中的阀门")
    unit = first.unit
    products = [first] + [make.complete_product(unit, name=name)
                          for name in ("已认定的电池", "被撤销的电机", "过期的水泵")]
    reviewer = make.staff("reviewer")
    for p in products[1:]:
        workflows.apply(workflows.apply(p, "submit", unit.user), "approve", reviewer)
    recs = {to: recognition(p, make, to=to) for p, to in zip(products, ("notice", "recognised", "revoked", "expired"),
                                                           strict=True)}
    return unit, recs


def tab(client, key):
    resp = client.get(f"/portal/recognitions?tab={key}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_the_unit_sees_each_tab_with_its_count_and_dates(client, make, login):
    unit, recs = unit_with_all_four(make)
    login(unit.user)
    html = tab(client, "notice")
    counts = dict(re.findall(r'data-tab-count="(\w+)">(\d+)<', html))
    assert counts == {"notice": "1", "recognised": "1", "revoked": "1", "expired": "1"}
    assert "专利密集型产品认定管理" in html and all(w in html for w in ("公示中", "已认定", "撤销认定", "已过期"))
    notice = recs["notice"]
    assert "公示中的阀门" in html and "已认定的电池" not in html
    assert notice.notice_start.isoformat() in html and notice.notice_end.isoformat() in html

    html = tab(client, "recognised")
    rec = Recognition.get_by_id(recs["recognised"].id)
    assert "已认定的电池" in html and rec.certificate_number in html and rec.valid_until.isoformat() in html
    for name in ("certificate.pdf", "qr.png", "qr.svg", "mark.png", "mark.svg"):
        assert f"/portal/recognitions/{rec.id}/{name}" in html

    html = text_of(tab(client, "revoked"))
    assert "被撤销的电机" in html and "异议成立" in html  # the reason the handler gave
    revoked = Recognition.get_by_id(recs["revoked"].id)
    assert revoked.revoked_at.strftime("%Y-%m") in html

    html = tab(client, "expired")
    assert "过期的水泵" in html
    assert client.get("/portal/recognitions?tab=nonsense").status_code == 404


def test_the_menu_shows_the_recognition_entry(client, make, login):
    unit = make.approved_unit()
    login(unit.user)
    html = client.get("/portal/messages").get_data(as_text=True)
    assert 'href="/portal/recognitions"' in html and "专利密集型产品认定管理" in html


def test_the_owner_downloads_certificate_qr_and_mark(client, make, login, tmp_path):
    rec = recognition(filed_product(make, name="可下载证书的产品"), make, to="recognised")
    rec = Recognition.get_by_id(rec.id)
    login(rec.product.unit.user)
    pdf = client.get(f"/portal/recognitions/{rec.id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "可下载证书的产品" in text and rec.certificate_number in text
    png = client.get(f"/portal/recognitions/{rec.id}/mark.png")
    assert png.mimetype == "image/png" and Image.open(io.BytesIO(png.data)).width > 1000
    svg = client.get(f"/portal/recognitions/{rec.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert client.get(f"/portal/recognitions/{rec.id}/secret.txt").status_code == 404


def test_another_unit_gets_404_for_the_documents(client, make, login):
    rec = recognition(filed_product(make), make, to="recognised")
    other = make.approved_unit()
    login(other.user)
    for name in ("certificate.pdf", "qr.png", "mark.svg"):
        assert client.get(f"/portal/recognitions/{rec.id}/{name}").status_code == 404
    assert rec.product.name not in tab(client, "recognised")


def test_a_revoked_recognitions_documents_are_not_offered(client, make, login):
    rec = recognition(filed_product(make), make, to="revoked_after_recognition")
    login(rec.product.unit.user)
    assert client.get(f"/portal/recognitions/{rec.id}/certificate.pdf").status_code == 404


def test_documents_not_made_yet_say_so_and_are_asked_for(client, make, login, monkeypatch):
    rec = recognition(filed_product(make), make, to="recognised")
    Recognition.update(certificate_file=None).where(Recognition.id == rec.id).execute()
    asked = []
    monkeypatch.setattr(documents.jobs, "enqueue", lambda name, *args, **kw: asked.append((name, args)))
    login(rec.product.unit.user)
    html = tab(client, "recognised")
    assert "证书生成中" in html and asked == [(documents.JOB, (rec.id,))]
    resp = client.get(f"/portal/recognitions/{rec.id}/certificate.pdf")
    assert resp.status_code == 302 and len(asked) == 2


# ---------------------------------------------------------------- public pages


def test_the_home_page_lists_products_in_notice_with_their_end_dates(client, make):
    rec = recognition(filed_product(make, name="公示中的智能电表"), make, to="notice")
    html = client.get("/").get_data(as_text=True)
    section = html[html.index('id="notice-title"'):html.index('id="latest-title"')]
    assert "公示中的智能电表" in section and rec.notice_end.isoformat() in section
    assert re.search(r"<strong>1</strong>\s*公示中", html)  # the count


def test_search_results_show_the_certificate_of_a_recognised_product(client, make):
    rec = Recognition.get_by_id(recognition(filed_product(make, name="认定过的储能柜"), make, to="recognised").id)
    html = client.get("/search?q=储能柜").get_data(as_text=True)
    assert rec.certificate_number in html and rec.valid_until.isoformat() in html


def test_the_phone_page_of_a_scanned_certificate_says_valid_and_signed(client, make):
    rec = Recognition.get_by_id(recognition(filed_product(make), make, to="recognised").id)
    url = signed_url(rec)
    path = url[url.index("/m/"):]
    html = client.get(path).get_data(as_text=True)
    assert "认定有效" in html and 'data-signature="valid"' in html and "签名有效" in html
    tampered = re.sub(r"v=(\d{4})", lambda m: f"v={int(m.group(1)) + 5}", path)
    html = client.get(tampered).get_data(as_text=True)
    assert "签名不符" in html and "认定有效" in html  # the live data still says valid
