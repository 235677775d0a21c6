"""单位实名认证, 变更单位信息 and 资产信息, end to end through the portal and the back office."""

import io
import re

from conftest import outbox_texts, valid_credit_code

from models import AssetInfo, AuditLog, RegistryEntry, Unit, UnitChangeRequest, UnitNameHistory, last_fiscal_year

ASSETS = {"total_cost": "5000", "ip_investment": "300.5", "net_profit": "-120.25", "total_sales": "8000",
          "fixed_assets": "2000", "total_output": "8500", "sales_expense": "400", "admin_expense": "300",
          "finance_expense": "50", "patent_assets": "600", "total_assets": "12000", "employees": "230"}


def form_data(code, **overrides):
    data = {"unit_type": "enterprise", "credit_code": code, "name": "深圳市测试科技有限公司",
            "registered_address": "广东省深圳市南山区科技园1号", "office_same": "1",
            "registered_capital": "1000", "industry": "3911 计算机整机制造", "legal_rep": "王五",
            "legal_rep_phone": "0755-12345678", "contact": "赵六", "contact_phone": "13912345678",
            "enterprise_type": "limited", "enterprise_size": "small", **ASSETS}
    data.update(overrides)
    return data


def with_files(data, make, licence=None, letter=None):
    return {**data, "license_file": (io.BytesIO(licence or make.png()), "营业执照.png"),
            "commitment_file": (io.BytesIO(letter or make.png()), "诚信承诺书.png")}


def test_empty_form_reports_every_missing_field_at_once(client, make, login):
    login(make.unit_user())
    resp = client.post("/portal/verification", data={"action": "save"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    for text in ("请选择备案单位类型", "请填写统一社会信用代码", "请填写单位名称", "请填写注册地址",
                 "请选择国民经济行业分类", "请填写法定代表人", "请上传营业执照或组织机构代码证",
                 "请上传诚信承诺书", "请填写单位年度总成本", "请填写单位年度员工人数（整数）"):
        assert text in html, text


def test_bad_input_keeps_what_was_typed_and_the_good_upload(client, make, login):
    user = make.unit_user()
    login(user)
    data = with_files(form_data("914403001922038217", registered_capital="-5", total_cost="abc"),
                      make, letter=b"MZ\x90\x00" + b"\x00" * 100)
    html = client.post("/portal/verification", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "统一社会信用代码校验位不正确" in html
    assert "不能为负数" in html and "请输入数字，最多两位小数" in html
    assert "文件“诚信承诺书.png”的格式不受支持，仅支持png, jpg, bmp, PDF格式" in html
    assert 'value="深圳市测试科技有限公司"' in html and 'value="广东省深圳市南山区科技园1号"' in html
    kept = re.search(r'name="license_file_id" value="(\d+)"', html)
    assert kept and "营业执照.png" in html  # the good upload is not lost
    assert Unit.get(Unit.user == user).name == ""  # nothing half-saved


def test_unit_verifies_is_rejected_corrects_and_is_approved(client, make, login):
    user = make.unit_user()
    code = valid_credit_code(901)
    login(user)
    resp = client.post("/portal/verification", content_type="multipart/form-data",
                       data={**with_files(form_data(code), make), "action": "submit"})
    assert resp.status_code == 302
    unit = Unit.get(Unit.user == user)
    assert unit.status == "pending" and unit.office_address == unit.registered_address
    assert unit.region_code == code[2:8] and unit.industry_id == "3911"
    assert AssetInfo.get(AssetInfo.unit == unit).net_profit == -120.25
    assert "已提交审核" in client.get("/portal/verification").get_data(as_text=True)

    reviewer = make.staff("reviewer")
    client.post("/logout")
    login(reviewer)
    queue = client.get("/admin/review_units/").get_data(as_text=True)
    assert "深圳市测试科技有限公司" in queue
    detail = client.get(f"/admin/review_units/{unit.id}").get_data(as_text=True)
    assert "营业执照.png" in detail and "单位年度总成本" in detail
    assert "上传的营业执照或组织机构代码证扫描件不清晰" in detail
    resp = client.post(f"/admin/review_units/{unit.id}", data={"event": "reject", "reason": ""})
    assert Unit.get_by_id(unit.id).status == "pending"  # a rejection needs a reason
    client.post(f"/admin/review_units/{unit.id}", data={
        "event": "reject", "reason": "营业执照扫描件不清晰", "flags": ["license_file"]})
    assert Unit.get_by_id(unit.id).status == "rejected"

    client.post("/logout")
    login(user)
    html = client.get("/portal/verification").get_data(as_text=True)
    assert "营业执照扫描件不清晰" in html and "审核意见：请修改" in html
    assert 'value="深圳市测试科技有限公司"' in html  # the form keeps its data
    client.post("/portal/verification", content_type="multipart/form-data", data={
        **form_data(code), "license_file": (io.BytesIO(make.png((60, 40))), "营业执照-清晰.png"), "action": "submit"})
    assert Unit.get_by_id(unit.id).status == "pending"

    client.post("/logout")
    login(reviewer)
    client.post(f"/admin/review_units/{unit.id}", data={"event": "approve"})
    assert Unit.get_by_id(unit.id).status == "approved"
    assert any("审核通过" in t for t in outbox_texts("sms", user.phone))
    events = [a.event for a in AuditLog.select().where(AuditLog.object_type == "unit", AuditLog.object_id == unit.id)]
    assert events == ["submit", "reject", "submit", "approve"]


def test_registry_lookup_fills_business_information(client, make, login):
    code = valid_credit_code(902)
    RegistryEntry.create(credit_code=code, name="登记在册有限公司", registered_address="北京市海淀区",
                         legal_rep="钱七", legal_rep_phone="010-88888888")
    login(make.unit_user())
    data = client.get(f"/portal/registry?code={code}").get_json()
    assert data["ok"] and data["values"]["name"] == "登记在册有限公司" and data["values"]["legal_rep"] == "钱七"
    data = client.get(f"/portal/registry?code={valid_credit_code(903)}").get_json()
    assert not data["ok"] and data["message"] == "未查询到该统一社会信用代码的工商信息，请手动填写"
    assert client.get("/portal/registry?code=123").get_json()["message"] == "统一社会信用代码应为18位"


def test_credit_code_of_another_unit_is_refused_and_logged(client, make, login):
    other = make.complete_unit()
    user = make.unit_user()
    login(user)
    html = client.post("/portal/verification", content_type="multipart/form-data",
                       data={**with_files(form_data(other.credit_code), make), "action": "save"}).get_data(as_text=True)
    assert "该统一社会信用代码已被其他单位使用" in html
    conflict = AuditLog.get(AuditLog.event == "credit_code_conflict")
    assert conflict.data == {"credit_code": other.credit_code, "other_unit": other.id}


def test_commitment_letter_template_is_prefilled(client, make, login):
    unit = make.complete_unit(name="承诺书测试有限公司")
    login(unit.user)
    resp = client.get("/portal/verification/commitment-letter.pdf")
    assert resp.mimetype == "application/pdf" and resp.data.startswith(b"%PDF")


def test_name_change_is_reviewed_side_by_side_and_keeps_the_former_name(client, make, login):
    reviewer = make.staff("reviewer")
    unit = make.approved_unit(reviewer)
    old_name = unit.name
    login(unit.user)
    form = client.get("/portal/verification/change").get_data(as_text=True)
    assert f'value="{old_name}"' in form
    data = form_data(unit.credit_code, name="新名字科技有限公司", registered_address=unit.registered_address,
                     registered_capital=str(unit.registered_capital), legal_rep=unit.legal_rep,
                     legal_rep_phone=unit.legal_rep_phone, contact=unit.contact, contact_phone=unit.contact_phone,
                     enterprise_type=unit.enterprise_type, enterprise_size=unit.enterprise_size)
    client.post("/portal/verification/change", data=data)
    change = UnitChangeRequest.get(UnitChangeRequest.unit == unit)
    assert change.new_values == {"name": "新名字科技有限公司"} and change.old_values == {"name": old_name}
    assert "正在审核中" in client.get("/portal/verification/change").get_data(as_text=True)

    client.post("/logout")
    login(reviewer)
    html = client.get(f"/admin/review_changes/{change.id}").get_data(as_text=True)
    assert f"<del>{old_name}</del>" in html and "<ins>新名字科技有限公司</ins>" in html
    assert "注册地址" not in html.split("zl-diff")[1].split("</table>")[0]  # changed fields only
    client.post(f"/admin/review_changes/{change.id}", data={"event": "approve"})
    assert Unit.get_by_id(unit.id).name == "新名字科技有限公司"
    assert [h.name for h in UnitNameHistory.select().where(UnitNameHistory.unit == unit)] == [old_name]
    assert "您提交的单位实名认证信息已审核通过" in outbox_texts("sms", unit.user.phone)


def test_asset_info_for_last_year_earlier_years_readable(client, make, login):
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year() - 1, total_cost=100, employees=9)
    login(unit.user)
    html = client.get("/portal/assets").get_data(as_text=True)
    assert f"尚未填报{last_fiscal_year()}年度资产信息" in html and "往年资产信息" in html
    html = client.post("/portal/assets", data={**ASSETS, "total_sales": "-1"}).get_data(as_text=True)
    assert "不能为负数" in html
    assert client.post("/portal/assets", data=ASSETS).status_code == 302
    row = AssetInfo.get(AssetInfo.unit == unit, AssetInfo.fiscal_year == last_fiscal_year())
    assert str(row.net_profit) == "-120.25" and row.employees == 230


def test_unverified_unit_sees_why_the_rest_is_locked(client, make, login):
    login(make.unit_user())
    html = client.get("/portal/assets").get_data(as_text=True)
    assert "单位实名认证审核通过后方可办理此项业务" in html


def test_unit_cannot_reach_review_pages_and_units_see_only_their_own(client, make, login):
    other = make.complete_unit()
    login(make.unit_user())
    assert client.get("/admin/review_units/").status_code == 403
    assert client.post(f"/admin/review_units/{other.id}", data={"event": "approve"}).status_code == 403
    assert client.get(f"/files/{other.license_file.key}").status_code == 404
    assert Unit.get_by_id(other.id).status == "draft"


def test_officer_cannot_decide_verifications(client, make, login):
    unit = make.complete_unit()
    import workflows

    workflows.apply(unit, "submit", unit.user)
    login(make.staff("officer"))
    assert client.get(f"/admin/review_units/{unit.id}").status_code == 403


def test_registry_entries_import_from_csv_by_command_and_upload(app, client, make, login, tmp_path):
    good, bad = valid_credit_code(911), "91440300MA5D7N8K21"
    path = tmp_path / "registry.csv"
    path.write_text("credit_code,name,registered_address,legal_rep,legal_rep_phone\n"
                    f"{good},导入测试有限公司,深圳市福田区,吴一,0755-1\n{bad},坏代码公司,,,\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["zlcp", "import-registry", str(path)])
    assert "已导入工商登记信息 1 条，错误 1 条" in result.output
    assert "第3行：统一社会信用代码校验位不正确" in result.output
    assert RegistryEntry.get(RegistryEntry.credit_code == good).name == "导入测试有限公司"
    login(make.staff("admin"))  # reference data: administrators only
    path.write_text("credit_code,name,registered_address,legal_rep,legal_rep_phone\n"
                    f"{good},改名后有限公司,深圳市福田区,吴一,0755-1\n", encoding="utf-8")
    html = client.post("/admin/registry_import/", data={"file": (io.BytesIO(path.read_bytes()), "r.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "已导入1条，错误0条。" in html
    assert RegistryEntry.get(RegistryEntry.credit_code == good).name == "改名后有限公司"
