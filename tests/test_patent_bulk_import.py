"""The registry importer at scale: it loads an empty register straight and builds its indexes
after, and stages and upserts a file into a register that has patents; yet a bad row is still
reported by its line and left out whole, progress is reported, a number repeated in the file
keeps its last row, a file that cannot be read to the end changes nothing, and importing the
same file again changes nothing."""

from datetime import datetime

import pytest

from domain import patents
from infra import validators
from models import Patent, PatentHolder, PatentStatusChange, UnitPatent, db
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


def test_importing_the_same_file_again_changes_nothing(db_session, make, tmp_path, clock):
    clock(datetime(2026, 3, 2, 9, 0))
    path = write_csv(tmp_path / "a.csv", [row(n, ["甲公司", "乙大学"]) for n in range(1, 6)])
    assert patents.import_file(path)["imported"] == 5
    unit = make.approved_unit()
    UnitPatent.create(unit=unit, patent=Patent.get(Patent.number == number(2)[2:].replace(".", "")),
                      source="auto", acquisition="original")
    columns = (Patent.id, Patent.number, Patent.name, Patent.patentees, Patent.legal_status, Patent.updated_at)
    before = list(Patent.select(*columns).order_by(Patent.id).tuples())
    holders = sorted(PatentHolder.select(PatentHolder.id, PatentHolder.patent, PatentHolder.name).tuples())
    clock(datetime(2026, 3, 3, 9, 0))  # a day later: a patent rewritten would show it
    assert patents.import_file(path) == {"imported": 5, "changed": 0, "errors": []}
    assert list(Patent.select(*columns).order_by(Patent.id).tuples()) == before
    assert sorted(PatentHolder.select(PatentHolder.id, PatentHolder.patent, PatentHolder.name).tuples()) == holders
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


def schema(table):
    return ({(i.name, i.unique, tuple(i.columns)) for i in db.database.get_indexes(table)},
            {(f.column, f.dest_table, f.dest_column) for f in db.database.get_foreign_keys(table)})


def test_an_empty_register_is_loaded_whole_with_its_indexes_built_after(db_session, tmp_path, monkeypatch):
    monkeypatch.setattr(patents, "STAGE_CHUNK", 2)
    tables = {t: schema(t) for t in ("patent", "patentholder")}
    result = patents.import_file(write_csv(tmp_path / "a.csv", [
        row(1, ["甲公司"]), row(2, ["乙公司", "乙公司"]), row(1, ["丙公司"], status="失效"), row(3, ["甲公司"])]))
    assert result == {"imported": 3, "changed": 0, "errors": []}
    first = Patent.get(Patent.number == number(1)[2:].replace(".", ""))
    assert first.legal_status == "invalid" and holders_of(1) == ["丙公司"]  # the later row of number 1
    assert Patent.get(Patent.number == number(2)[2:].replace(".", "")).patentees == ["乙公司", "乙公司"]
    assert holders_of(2) == ["乙公司"] and PatentHolder.select().count() == 3
    assert {t: schema(t) for t in ("patent", "patentholder")} == tables  # indexes and foreign key are back
    assert patents.import_file(write_csv(tmp_path / "b.csv", [row(4, ["丁公司"])]))["imported"] == 1
    assert registry_numbers() == {number(n)[2:].replace(".", "") for n in (1, 2, 3, 4)}


@pytest.mark.parametrize("register", ["empty", "holding patents"])
def test_a_file_that_cannot_be_read_to_the_end_changes_nothing(db_session, tmp_path, monkeypatch, register):
    if register != "empty":
        patents.import_file(write_csv(tmp_path / "a.csv", [row(1, ["甲公司"])]))
    before = sorted(Patent.select(Patent.number, Patent.legal_status).tuples())
    tables = {t: schema(t) for t in ("patent", "patentholder")}
    monkeypatch.setattr(patents, "STAGE_CHUNK", 3)  # some rows are written before the bad bytes are read
    path = write_csv(tmp_path / "b.csv", [row(n, ["乙公司"], status="失效") for n in range(1, 400)])
    with open(path, "ab") as fh:
        fh.write(b"ZL202110000999.1,\xff\xfe,\xe5\x8f,,,,,\n")  # not UTF-8
    with pytest.raises(UnicodeDecodeError):
        patents.import_file(path)
    assert sorted(Patent.select(Patent.number, Patent.legal_status).tuples()) == before
    assert not PatentHolder.select().where(PatentHolder.name == "乙公司").exists()
    assert {t: schema(t) for t in ("patent", "patentholder")} == tables


def test_a_number_in_the_registrys_own_form_is_checked_as_the_validator_checks_it(app):
    """The registry's form (ZL….d) takes a short way through validators.patent_number; written
    otherwise (lower case) the same number takes the general one: the same answers."""
    digits = "2020105660889"  # the real number and each of its one-character corruptions
    for number_ in {digits[:pos] + d + digits[pos + 1:] for pos in range(13) for d in "0123456789X"}:
        text = f"ZL{number_[:12]}.{number_[12]}"
        record = {"number": text, "name": "一种装置", "patentees": "甲公司", "legal_status": "有效"}
        try:
            general = validators.patent_number(text.lower())
        except validators.ValidationError as exc:
            general = exc.message
        try:
            expected = validators.patent_number(text)
            assert expected == general, text
        except validators.ValidationError as exc:
            assert exc.message == general, text
            with pytest.raises(patents.RowError, match=f"^{exc.message}："):
                patents.clean_row(record)
        else:
            cleaned = patents.clean_row(record)
            assert (cleaned["number"], cleaned["display_number"]) == (expected.application_number, expected.display)
