"""A background job's progress is its starter's business (a unit's 自动导入专利; the back
office's patent imports, which any administrator may follow), and a portal form's `next`
never sends the unit to another site."""

import io
import re

import pytest
from conftest import PASSWORD
from test_patents import row, write_csv

from domain import patents
from models import Message


def job_of(resp):
    return re.search(r"job=(\w+)", resp.headers["Location"]).group(1)


def test_a_unit_cannot_read_another_units_auto_import_job(client, make, login, tmp_path):
    owner, intruder = make.approved_unit(), make.approved_unit()
    patents.import_file(write_csv(tmp_path / "p.csv", [row(1, [owner.name]), row(2, [owner.name])]))
    login(owner.user)
    job_id = job_of(client.post("/portal/patents/auto-import"))
    assert client.get(f"/portal/patents/jobs/{job_id}").get_json()["result"] == 2  # the starter sees it
    client.post("/logout")
    login(intruder.user)
    resp = client.get(f"/portal/patents/jobs/{job_id}")
    assert resp.status_code == 404 and resp.get_json(silent=True) is None
    assert client.get("/portal/patents/jobs/not-a-job").status_code == 404  # the same answer as no job at all


def test_the_back_office_import_status_shows_imports_only_to_administrators(client, make, login, tmp_path):
    unit = make.approved_unit()
    patents.import_file(write_csv(tmp_path / "p.csv", [row(1, [unit.name])]))
    path = write_csv(tmp_path / "q.csv", [row(2, ["甲公司"])])
    login(unit.user)
    unit_job = job_of(client.post("/portal/patents/auto-import"))
    client.post("/logout")
    login(make.staff("admin"))
    resp = client.post("/admin/patent_import/", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(path.read_bytes()), "q.csv"), "mode": "full"})
    import_id = job_of(resp)
    client.post("/logout")
    # Another administrator may follow it (imports feed the registry all of them keep) …
    login(make.staff("admin"))
    assert client.get(f"/admin/patent_import/jobs/{import_id}").get_json()["result"]["imported"] == 1
    # … but a unit's 自动导入专利 is not an import,
    assert client.get(f"/admin/patent_import/jobs/{unit_job}").status_code == 404
    client.post("/logout")
    # … a reviewer may not, and neither may the unit.
    login(make.staff("reviewer"))
    assert client.get(f"/admin/patent_import/jobs/{import_id}").status_code == 403
    client.post("/logout")
    login(unit.user)
    assert client.get(f"/portal/patents/jobs/{unit_job}").status_code == 200
    assert client.get(f"/portal/patents/jobs/{import_id}").status_code == 404


@pytest.mark.parametrize("target", [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example/phish",
    "/\t/evil.example/phish",
    "https:/evil.example",
    "javascript:alert(1)",
])
def test_marking_a_message_read_never_sends_the_unit_to_another_site(client, make, login, target):
    unit = make.approved_unit()
    message = Message.create(user=unit.user, title="审核通过", body="您的单位实名认证已审核通过。")
    login(unit.user)
    resp = client.post(f"/portal/messages/{message.id}/read", data={"next": target})
    assert resp.status_code == 302 and resp.headers["Location"] == "/portal/messages"
    assert Message.get_by_id(message.id).read_at is not None


def test_marking_a_message_read_returns_to_the_page_of_the_site_it_came_from(client, make, login):
    unit = make.approved_unit()
    message = Message.create(user=unit.user, title="审核通过", body="您的单位实名认证已审核通过。")
    login(unit.user)
    resp = client.post(f"/portal/messages/{message.id}/read", data={"next": "/portal/products?tab=filed"})
    assert resp.headers["Location"] == "/portal/products?tab=filed"


def test_signing_in_with_a_backslash_next_stays_on_the_site(client, make):
    unit = make.approved_unit()
    resp = client.post("/login?next=/%5Cevil.example/phish", data={"identity": unit.user.username,
                                                                    "password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == "/portal/"
