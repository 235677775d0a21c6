"""证书查询 (/verify): a certificate number gives the product, the unit, 有效 / 已过期 / 撤销认定
and the dates from the live data; an unknown number a plain message on the same page (never
the site's 404 page); look-ups are rate limited per address."""

import re

import pytest
from test_public_products import filed_product, recognition, text_of

from infra.extensions import limiter
from models import Recognition

pytestmark = pytest.mark.usefixtures("fixed_clock")  # notices count working days


def look_up(client, number):
    resp = client.get("/verify", query_string={"number": number})
    return resp, text_of(resp.get_data(as_text=True))


def status_of(html):
    found = re.search(r'data-status="(\w+)">([^<]+)<', html)
    return found.group(2) if found else None


def test_a_valid_certificate(client, make):
    rec = Recognition.get_by_id(recognition(filed_product(make, name="可查验的控制器", model="KZ-9"), make,
                                            to="recognised").id)
    resp, text = look_up(client, rec.certificate_number)
    assert resp.status_code == 200 and status_of(resp.get_data(as_text=True)) == "有效"
    assert "可查验的控制器" in text and "KZ-9" in text and rec.product.unit.name in text
    assert rec.valid_until.isoformat() in text and rec.recognised_at.strftime("%Y-%m-%d")[:7] in text
    # typed with spaces, lower case or full-width letters: the same certificate
    spaced = " " + rec.certificate_number.lower()[:6] + " " + rec.certificate_number[6:] + " "
    assert status_of(look_up(client, spaced)[0].get_data(as_text=True)) == "有效"
    wide = "".join(chr(ord(c) + 0xFEE0) for c in rec.certificate_number)
    assert status_of(look_up(client, wide)[0].get_data(as_text=True)) == "有效"


def test_an_expired_certificate(client, make):
    rec = recognition(filed_product(make), make, to="expired")
    resp, text = look_up(client, rec.certificate_number)
    assert status_of(resp.get_data(as_text=True)) == "已过期" and "有效期已届满" in text


def test_a_revoked_certificate_still_resolves(client, make):
    rec = recognition(filed_product(make, name="被撤销的证书产品"), make, to="revoked_after_recognition")
    resp, text = look_up(client, rec.certificate_number)
    assert resp.status_code == 200 and status_of(resp.get_data(as_text=True)) == "撤销认定"
    assert "被撤销的证书产品" in text and "撤销日期" in text


def test_an_unknown_number_gets_a_plain_message_on_the_verify_page(client, make):
    resp, text = look_up(client, "ZLCP2026999999")
    assert resp.status_code == 200
    assert "未查询到该证书编号" in text and "ZLCP2026999999" in text and "证书查询" in text
    assert "页面不存在" not in text
    resp, text = look_up(client, "   ")
    assert "请输入证书编号" in text and 'aria-invalid="true"' in resp.get_data(as_text=True)
    resp, text = look_up(client, "<script>" + "9" * 500)
    assert resp.status_code == 200 and "<script>" not in resp.get_data(as_text=True)


def test_the_form_and_the_signature_documentation(client):
    html = client.get("/verify").get_data(as_text=True)
    assert 'name="number"' in html and "/.well-known/zlcp-certificate-key" in html
    assert "ZLCP-CERT-1|{c}|{t}|{v}" in html and "未查询到" not in html


def test_look_ups_are_rate_limited(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "3 per minute")
    limiter.reset()
    try:
        for _ in range(3):
            assert look_up(client, "ZLCP2026000001")[0].status_code == 200
        resp, text = look_up(client, "ZLCP2026000001")
        assert resp.status_code == 429 and "操作过于频繁" in text
        assert client.get("/verify").status_code == 200  # the empty form is not counted
    finally:
        limiter.reset()
