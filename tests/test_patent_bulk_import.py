"""The registry importer at scale: it stages the file and upserts it in one go, yet a bad row is
still reported by its line and left out whole, progress is reported, a number repeated in the
file keeps its last row, and importing the same file again changes nothing."""

from domain import patents
from models import Patent, PatentHolder, PatentStatusChange, UnitPatent
from tests.test_patents import number, row, write_csv


def registry_numbers():
    return {n for (n,) in Patent.select(Patent.number).tuples()}


def holders_of(serial):
    p = Patent.get(Patent.number == number(serial)[2:].replace(".", ""))
    return sorted(h.name for h in p.holders)


def test_bad_rows_are_reported_by_line_and_no_part_of_them_is_loaded(db_session, tmp_path, monkeypatch):
    monkeypatch.setattr(patents, "STAGE_CHUNK", 3)  # several staging rounds in a small file
    rows = [row(n, ["甲公司", "乙大学"]) for n in range(1, 8)]
    rows[2] = [number(3), "", "发明", "丙公司", "", "", "有效", ""]  # no name: line 4
    rows[5] = [number(6), "一种装置6", "发明", "丁公司", "2021-13-01", "", "有效", ""]  # bad date: line 7
    seen = []
    result = patents.import_file(write_csv(tmp_path / "a.csv", rows), progress=lambda d, t: seen.append(d))
    assert result["imported"] == 5
    assert result["errors"] == [(4, "缺少专利名称"), (7, "申请日格式不正确（应为YYYY-MM-DD）：2021-13-01")]
    assert registry_numbers() == {number(n)[2:].replace(".", "") for n in (1, 2, 4, 5, 7)}
    assert not PatentHolder.select().where(PatentHolder.name.in_(["丙公司", "丁公司"])).exists()
    assert PatentHolder.select().count() == 10 and holders_of(7) == ["乙大学", "甲公司"]
    assert seen[0] == 4 and seen[-1] == 7  # rows read at each staging round (3 good, 1 bad), then all


def test_importing_the_same_file_again_changes_nothing(db_session, make, tmp_path):
    path = write_csv(tmp_path / "a.csv", [row(n, ["甲公司", "乙大学"]) for n in range(1, 6)])
    assert patents.import_file(path)["imported"] == 5
    unit = make.approved_unit()
    UnitPatent.create(unit=unit, patent=Patent.get(Patent.number == number(2)[2:].replace(".", "")),
                      source="auto", acquisition="original")
    before = list(Patent.select(Patent.id, Patent.number, Patent.name, Patent.patentees, Patent.legal_status)
                  .order_by(Patent.id).tuples())
    holders = sorted(PatentHolder.select(PatentHolder.patent, PatentHolder.name).tuples())
    assert patents.import_file(path) == {"imported": 5, "changed": 0, "errors": []}
    assert list(Patent.select(Patent.id, Patent.number, Patent.name, Patent.patentees, Patent.legal_status)
                .order_by(Patent.id).tuples()) == before
    assert sorted(PatentHolder.select(PatentHolder.patent, PatentHolder.name).tuples()) == holders
    assert not PatentStatusChange.select().exists()


def test_a_later_row_of_the_same_number_wins_and_a_held_patents_change_is_recorded(db_session, make, tmp_path):
    patents.import_file(write_csv(tmp_path / "a.csv", [row(1, ["甲公司"]), row(2, ["甲公司"])]))
    unit = make.approved_unit()
    held = Patent.get(Patent.number == number(1)[2:].replace(".", ""))
    UnitPatent.create(unit=unit, patent=held, source="auto", acquisition="original")
    result = patents.import_file(write_csv(tmp_path / "b.csv", [
        row(1, ["甲公司"], status="失效"), row(2, ["乙公司"]), row(1, ["甲公司", "戊公司"], status="届满")]))
    assert result["imported"] == 2 and not result["errors"]
    assert Patent.get_by_id(held.id).legal_status == "expired"
    assert holders_of(1) == ["戊公司", "甲公司"] and holders_of(2) == ["乙公司"]
    assert [(c.patent_id, c.old_status, c.new_status) for c in PatentStatusChange.select()] == [
        (held.id, "valid", "expired")]
