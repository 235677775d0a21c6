"""专利信息管理: the registry importer, 自动导入专利 under current and former names,
手动新增专利, deletion rules, 查询, the daily legal-status update, permissions."""

import csv
import io
import json
import re

import pytest

from domain import patents
from infra import validators
from models import Patent, PatentHolder, PatentStatusChange, Product, ProductPatent, UnitNameHistory, UnitPatent

HEADER = ["number", "name", "kind", "patentees", "application_date", "grant_date", "legal_status", "expiry_date"]


def number(serial, kind_digit="1", year=2021):
    body = f"{year}{kind_digit}{serial:07d}"
    return f"ZL{body}.{validators.patent_check_char(body)}"


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def row(n, holders, status="有效", kind="发明", digit="1"):
    return [number(n, digit), f"一种测试装置{n}", kind, ";".join(holders), "2021-03-01", "2022-01-05", status,
            "2041-03-01"]


def test_real_patent_number_and_its_one_digit_corruptions(app):
    assert validators.patent_number("202010566088.9").display == "ZL202010566088.9"
    digits = "2020105660889"
    refused = 0
    for pos in range(13):
        for d in "0123456789X":
            if d == digits[pos] or (d == "X" and pos < 12):
                continue
            with pytest.raises(validators.ValidationError):
                validators.patent_number(digits[:pos] + d + digits[pos + 1:])
            refused += 1
    assert refused == 12 * 9 + 10  # every other digit in each place, and X or another digit as check


def test_importer_upserts_by_number_and_reports_bad_rows_with_line_numbers(db_session, tmp_path):
    path = write_csv(tmp_path / "a.csv", [
        row(1, ["甲公司", "乙大学"]),
        ["ZL202010566088.8", "坏校验位", "发明", "甲公司", "", "", "有效", ""],
        row(2, ["甲公司"], status="不知道"),
        [number(3), "", "发明", "甲公司", "", "", "有效", ""],
        row(4, ["丙公司"], kind="外观设计", digit="3"),
    ])
    result = patents.import_file(path)
    assert result["imported"] == 2
    assert result["errors"] == [(3, "专利号校验位不正确：ZL202010566088.8"), (4, "法律状态不正确：不知道"),
                                (5, "缺少专利名称")]
    assert Patent.get(Patent.number == number(1)[2:].replace(".", "")).patentees == ["甲公司", "乙大学"]
    write_csv(tmp_path / "b.csv", [row(1, ["甲公司"], status="失效")])
    patents.import_file(tmp_path / "b.csv")
    assert Patent.select().count() == 2
    p = Patent.get(Patent.number == number(1)[2:].replace(".", ""))
    assert p.legal_status == "invalid" and [h.name for h in p.holders] == ["甲公司"]


def test_jsonl_format_is_accepted(db_session, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"number": number(7), "name": "一种方法", "patentees": ["丁公司"],
                                "legal_status": "有效", "application_date": "2021-01-01"}, ensure_ascii=False)
                    + "\n{bad json\n", encoding="utf-8")
    result = patents.import_file(path)
    assert result["imported"] == 1 and result["errors"] == [(2, "不是有效的JSON")]
    assert Patent.get(Patent.number == number(7)[2:].replace(".", "")).kind == "invention"


def test_auto_import_finds_current_former_and_co_owned_names_once(db_session, make, tmp_path):
    unit = make.approved_unit()
    write_csv(tmp_path / "p.csv", [row(1, [unit.name]), row(2, ["乙大学", unit.name]),
                                   row(3, ["旧名称有限公司"]), row(4, ["别人公司"])])
    patents.import_file(tmp_path / "p.csv")
    assert patents.auto_import(unit.id) == 2
    UnitNameHistory.create(unit=unit, name="旧名称有限公司")
    assert patents.auto_import(unit.id) == 1  # only the new one
    assert patents.auto_import(unit.id) == 0
    links = UnitPatent.select().where(UnitPatent.unit == unit)
    assert {(link.source, link.acquisition) for link in links} == {("auto", "original")}
    assert links.count() == 3


def test_manual_patent_rules(db_session, make, tmp_path):
    unit = make.approved_unit()
    # 1: assigned to the unit, the register already says so; 2: 别人公司's, licensed to the unit
    write_csv(tmp_path / "p.csv", [row(1, ["别人公司", unit.name]), row(2, ["别人公司"])])
    patents.import_file(tmp_path / "p.csv")
    from werkzeug.datastructures import FileStorage

    from infra.validators import FormErrors

    with pytest.raises(FormErrors) as exc:
        patents.add_manual(unit, {"number": "ZL202010566088.8", "acquisition": "licensed"})
    assert str(exc.value.errors["number"]) == "专利号校验位不正确"
    assert str(exc.value.errors["licensor"]) == "请填写许可人"
    with pytest.raises(FormErrors) as exc:
        patents.add_manual(unit, {"number": "202010566088.9", "acquisition": "original"})
    assert str(exc.value.errors["number"]) == "专利库中没有该专利号，请核对"
    with pytest.raises(FormErrors) as exc:
        patents.add_manual(unit, {"number": number(1), "acquisition": "assigned"})
    assert str(exc.value.errors["assignment_kind"]) == "请选择受让方式（转让、继承、受赠）"
    link = patents.add_manual(unit, {"number": "CN" + number(1)[2:].replace(".", ""),
                                     "acquisition": "assigned", "assignment_kind": "gift"})
    assert (link.source, link.acquisition, link.assignment_kind) == ("manual", "assigned", "gift")
    contract = {"proof_file": FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "许可合同.pdf")}
    licensed = patents.add_manual(unit, {"number": number(2), "acquisition": "licensed", "licensor": "别人公司",
                                         "licence_start": "2024-01-01", "licence_end": "2099-12-31"}, contract)
    assert licensed.licensor == "别人公司" and licensed.proof_file.original_name == "许可合同.pdf"
    with pytest.raises(FormErrors) as exc:
        patents.add_manual(unit, {"number": number(2), "acquisition": "original"})
    assert str(exc.value.errors["number"]) == "该专利已在本单位专利列表中"


def test_manual_patents_can_be_deleted_until_a_filed_product_uses_them(client, make, login, tmp_path):
    unit = make.approved_unit()
    write_csv(tmp_path / "p.csv", [row(1, ["别人公司", unit.name]), row(2, [unit.name])])
    patents.import_file(tmp_path / "p.csv")
    manual = patents.add_manual(unit, {"number": number(1), "acquisition": "original"})
    patents.auto_import(unit.id)
    auto = UnitPatent.get(UnitPatent.unit == unit, UnitPatent.source == "auto")
    product = Product.create(unit=unit, name="产品", model="M", status="pending")
    ProductPatent.create(product=product, patent=manual.patent)
    login(unit.user)
    client.post(f"/portal/patents/{manual.id}/delete")
    client.post(f"/portal/patents/{auto.id}/delete")
    assert UnitPatent.select().where(UnitPatent.unit == unit).count() == 2
    Product.update(status="draft").where(Product.id == product.id).execute()
    client.post(f"/portal/patents/{manual.id}/delete")
    assert not UnitPatent.select().where(UnitPatent.id == manual.id).exists()


def test_patent_list_filters_and_counts(client, make, login, tmp_path):
    unit = make.approved_unit()
    write_csv(tmp_path / "p.csv", [row(1, [unit.name]), row(2, [unit.name, "乙大学"], status="失效"),
                                   row(3, [unit.name], kind="实用新型", digit="2")])
    patents.import_file(tmp_path / "p.csv")
    patents.auto_import(unit.id)
    login(unit.user)
    html = client.get("/portal/patents").get_data(as_text=True)
    assert "共3件专利" in html
    assert "共1件专利" in client.get("/portal/patents?status=invalid").get_data(as_text=True)
    assert "共1件专利" in client.get("/portal/patents?holder=乙大学").get_data(as_text=True)
    assert "共1件专利" in client.get("/portal/patents?kind=utility").get_data(as_text=True)
    html = client.get(f"/portal/patents?number={number(1)[2:8]}").get_data(as_text=True)
    assert "共2件专利" in html  # 2021 + invention digit 1: the two inventions
    assert "共1件专利" in client.get(f"/portal/patents?number={number(3, '2')}").get_data(as_text=True)
    assert "没有符合条件的专利" in client.get("/portal/patents?name=不存在").get_data(as_text=True)


def test_auto_import_button_runs_the_job_and_reports_progress(client, make, login, tmp_path):
    unit = make.approved_unit()
    write_csv(tmp_path / "p.csv", [row(n, [unit.name]) for n in range(1, 6)])
    patents.import_file(tmp_path / "p.csv")
    login(unit.user)
    resp = client.post("/portal/patents/auto-import")
    job_id = re.search(r"job=(\w+)", resp.headers["Location"]).group(1)
    state = client.get(f"/portal/patents/jobs/{job_id}").get_json()
    assert state["status"] == "finished" and state["result"] == 5 and state["done"] == 5


def test_daily_status_update_records_changes_of_held_patents(app, db_session, make, tmp_path):
    unit = make.approved_unit()
    write_csv(tmp_path / "p.csv", [row(1, [unit.name]), row(2, ["别人公司"])])
    patents.import_file(tmp_path / "p.csv")
    patents.auto_import(unit.id)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    app.config["PATENT_STATUS_INBOX"] = str(inbox)
    (inbox / "2026-11-25.csv").write_text(
        f"number,legal_status\n{number(1)},失效\n{number(2)},失效\nZL123,有效\n", encoding="utf-8")
    import jobs

    summary = jobs.run("patents.sync_status")
    assert summary["files"] == [{"file": "2026-11-25.csv", "changed": 2, "errors": 1}]
    change = PatentStatusChange.get()
    assert (change.patent.display_number, change.old_status, change.new_status) == (number(1), "valid", "invalid")
    assert jobs.run("patents.sync_status")["files"] == []  # the file was moved to processed/
    assert (inbox / "processed" / "2026-11-25.csv").exists()


def test_a_unit_never_sees_another_units_patents(client, make, login, tmp_path):
    owner = make.approved_unit()
    write_csv(tmp_path / "p.csv", [row(1, [owner.name])])
    patents.import_file(tmp_path / "p.csv")
    patents.auto_import(owner.id)
    link = UnitPatent.get()
    intruder = make.approved_unit()
    login(intruder.user)
    assert "共0件专利" in client.get("/portal/patents").get_data(as_text=True)
    assert client.post(f"/portal/patents/{link.id}/delete").status_code == 404


def test_import_command_and_back_office_upload(app, client, make, login, tmp_path):
    path = write_csv(tmp_path / "p.csv", [row(1, ["甲公司"]), ["bad", "x", "发明", "甲", "", "", "有效", ""]])
    result = app.test_cli_runner().invoke(args=["zlcp", "import-patents", str(path)])
    assert "已导入 1 条" in result.output and "第3行：专利号格式不正确：bad" in result.output
    login(make.staff("admin"))
    data = {"file": (io.BytesIO(path.read_bytes()), "p.csv"), "mode": "full"}
    resp = client.post("/admin/patent_import/", data=data, content_type="multipart/form-data")
    job_id = re.search(r"job=(\w+)", resp.headers["Location"]).group(1)
    state = client.get(f"/admin/patent_import/jobs/{job_id}").get_json()
    assert state["status"] == "finished" and state["result"]["imported"] == 1
    assert state["result"]["errors"] == [[3, "专利号格式不正确：bad"]]
    assert PatentHolder.select().count() == 1
