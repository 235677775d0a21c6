"""Private pages are kept by no browser or proxy (Cache-Control: no-store) while public pages
keep their caching; reference data (驳回理由模板, 工商登记信息) belongs to administrators, checked
on the server: a reviewer gets 403 on every page and form of it, and still picks reason
templates when deciding."""

import io

import pytest
from conftest import valid_credit_code

import workflows
from models import ReasonTemplate, RegistryEntry


def test_account_portal_and_back_office_pages_are_not_stored(client, make, login):
    for path in ("/login", "/register", "/reset", "/admin/login"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    login(make.approved_unit().user)
    for path in ("/portal/", "/portal/verification", "/portal/messages"):
        resp = client.get(path)
        assert resp.status_code == 200 and resp.headers.get("Cache-Control") == "no-store", path
    client.post("/logout")
    login(make.staff("admin"))
    for path in ("/admin/", "/admin/outbox/", "/admin/staff/"):
        resp = client.get(path)
        assert resp.status_code == 200 and resp.headers.get("Cache-Control") == "no-store", path


def test_public_pages_and_files_keep_their_own_caching(client, db_session):
    for path in ("/", "/search", "/api/v1/products", "/static/css/zlcp.css", "/admin/static/admin/js/helpers.js"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert "no-store" not in resp.headers.get("Cache-Control", ""), path


@pytest.fixture
def reviewer_client(client, make, login):
    login(make.staff("reviewer"))
    return client


def _forbidden(resp):
    return resp.status_code == 403 and "您的角色无权访问此页面" in resp.get_data(as_text=True)


def test_a_reviewer_cannot_list_create_or_edit_reason_templates(reviewer_client):
    template = ReasonTemplate.select().order_by(ReasonTemplate.id).first()
    for url in ("/admin/reasons/", "/admin/reasons/new/", f"/admin/reasons/edit/?id={template.id}",
                f"/admin/reasons/details/?id={template.id}"):
        assert _forbidden(reviewer_client.get(url)), url
    assert _forbidden(reviewer_client.post("/admin/reasons/new/", data={
        "scope": "unit_verification", "code": "sneaky", "title": "捣乱", "text": "捣乱", "sort": "0"}))
    assert _forbidden(reviewer_client.post(f"/admin/reasons/edit/?id={template.id}", data={
        "scope": template.scope, "title": template.title, "text": "改过的理由", "sort": "0"}))
    assert _forbidden(reviewer_client.post("/admin/reasons/delete/", data={"id": str(template.id)}))
    assert not ReasonTemplate.select().where(ReasonTemplate.code == "sneaky").exists()
    assert ReasonTemplate.get_by_id(template.id).text == template.text


def test_a_reviewer_cannot_list_create_edit_or_import_registry_entries(reviewer_client):
    entry = RegistryEntry.create(credit_code=valid_credit_code(77), name="原名有限公司")
    for url in ("/admin/registry/", "/admin/registry/new/", f"/admin/registry/edit/?id={entry.id}",
                "/admin/registry_import/"):
        assert _forbidden(reviewer_client.get(url)), url
    assert _forbidden(reviewer_client.post("/admin/registry/new/", data={
        "credit_code": valid_credit_code(78), "name": "捣乱有限公司"}))
    assert _forbidden(reviewer_client.post(f"/admin/registry/edit/?id={entry.id}", data={
        "credit_code": entry.credit_code, "name": "改名有限公司"}))
    csv = f"credit_code,name,registered_address,legal_rep,legal_rep_phone\n{valid_credit_code(79)},导入公司,,,\n"
    assert _forbidden(reviewer_client.post("/admin/registry_import/", content_type="multipart/form-data",
                                           data={"file": (io.BytesIO(csv.encode()), "r.csv")}))
    assert [e.name for e in RegistryEntry.select()] == ["原名有限公司"]


def test_a_reviewer_still_picks_reason_templates_when_deciding(reviewer_client, make):
    unit = make.complete_unit()
    unit = workflows.apply(unit, "submit", unit.user)
    html = reviewer_client.get(f"/admin/review_units/{unit.id}").get_data(as_text=True)
    template = ReasonTemplate.get(ReasonTemplate.scope == "unit_verification", ReasonTemplate.active)
    assert template.text in html


def test_an_administrator_keeps_the_reference_data(client, make, login):
    login(make.staff("admin"))
    for url in ("/admin/reasons/", "/admin/reasons/new/", "/admin/registry/", "/admin/registry/new/",
                "/admin/registry_import/"):
        assert client.get(url).status_code == 200, url
