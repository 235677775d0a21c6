"""In the browser: a product's notice runs its 10 working days, the daily recognition happens
after its end, and then the unit downloads its 认定证书 (pdftotext finds the product's name and
the certificate number) and its 认定标识; the phone page the certificate's QR code opens says
认定有效 and 签名有效; 证书查询 with the number says 有效."""

import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import FIXED_NOW, PASSWORD, screenshot
from PIL import Image
from playwright.sync_api import expect
from test_browser_accounts import sign_in
from test_public_products import filed_product

import workflows
from domain.recognition.certificates import signed_url
from models import Recognition, RecognitionRound
from workflows import RecognitionStatus

BEIJING = ZoneInfo("Asia/Shanghai")


def test_unit_downloads_certificate_and_mark_and_the_qr_code_verifies(page, live_server, make, clock, tmp_path):
    clock(FIXED_NOW)  # 2026: a year whose holidays the platform has (load_reference)
    product = filed_product(make, name="智慧水务流量计", model="LL-100")
    rnd = RecognitionRound.create(year=2026, name="2026年度认定", filing_from=FIXED_NOW.date() - timedelta(days=200),
                                  filing_to=FIXED_NOW.date())
    rec = workflows.apply(Recognition.create(product=product, round=rnd), "start_notice", make.staff("officer"))
    assert rec.status == RecognitionStatus.NOTICE

    # The public home page lists it with its end date while the notice runs.
    page.goto(live_server + "/")
    notices = page.locator("section", has=page.get_by_role("heading", name="认定公示"))
    expect(notices).to_contain_text("智慧水务流量计")
    expect(notices).to_contain_text(rec.notice_end.isoformat())

    # The day after the notice ends, the daily recognition.
    end = rec.notice_end
    clock(datetime(end.year, end.month, end.day, 9, tzinfo=BEIJING) + timedelta(days=1))
    rec = workflows.apply(Recognition.get_by_id(rec.id), "recognise", workflows.SYSTEM)
    rec = Recognition.get_by_id(rec.id)
    assert rec.status == RecognitionStatus.RECOGNISED and rec.certificate_file_id

    sign_in(page, live_server, product.unit.user.username, PASSWORD)
    page.get_by_role("link", name="专利密集型产品认定管理").click()
    page.get_by_role("link", name="已认定").click()
    row = page.get_by_role("row", name="智慧水务流量计")
    expect(row).to_contain_text(rec.certificate_number)
    expect(row).to_contain_text(rec.valid_until.isoformat())
    screenshot(page, "portal-recognition-recognised")
    with page.expect_download() as download:
        row.get_by_role("link", name="认定证书（PDF）").click()
    path = tmp_path / "certificate.pdf"
    download.value.save_as(path)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "智慧水务流量计" in text and rec.certificate_number in text
    with page.expect_download() as download:
        row.get_by_role("link", name="认定标识 PNG").click()
    with Image.open(download.value.path()) as mark:
        assert mark.format == "PNG" and mark.height > mark.width > 1000

    # The QR code's address, opened on the site (SITE_URL is where the site is published).
    url = signed_url(rec)
    page.goto(live_server + url[url.index("/m/"):])
    expect(page.locator("[data-certificate-status]")).to_have_text("认定有效")
    expect(page.get_by_text("签名有效", exact=True)).to_be_visible()
    screenshot(page, "phone-page-signed-certificate")

    page.goto(live_server + "/verify")
    page.get_by_label("证书编号", exact=True).fill(rec.certificate_number)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("[data-status]")).to_have_text("有效")
    expect(page.locator("[data-verify-result]")).to_contain_text("智慧水务流量计")
    screenshot(page, "verify-valid")
