"""seed/: reference data is complete and idempotent; demo data only when asked for."""

import csv

from models import (
    CalendarYear,
    Country,
    Holiday,
    Industry,
    Option,
    Page,
    ProductCategory,
    ReasonTemplate,
    Unit,
    User,
)


def test_gbt4754_is_loaded_in_full(db_session):
    assert Industry.select().count() == 1971
    assert Industry.select().where(Industry.level == 4).count() == 1381
    assert Industry.get_by_id("3911").name == "计算机整机制造"
    assert Industry.get_by_id("39").parent_code == "C"


def test_lists_countries_and_templates_are_loaded(db_session):
    assert Country.get_by_id("US").name_zh == "美国"
    assert not Country.select().where(Country.code == "CN").exists()
    assert [n for _c, n in Option.choices("unit_type")] == ["企业", "事业单位", "社会组织", "高等院校", "科研院所",
                                                            "其他"]
    assert [n for _c, n in Option.choices("enterprise_size")] == ["大型", "中型", "小型", "微型"]
    assert ReasonTemplate.select().where(ReasonTemplate.scope == "product_filing").count() >= 5
    assert "本平台不承担与之相关的任何法律责任" in Page.get_by_id("agreement").body


def test_holiday_calendar_comes_from_chinesecalendar_up_to_2026(db_session):
    from datetime import date

    import chinese_calendar

    from infra.calendar import add_working_days

    assert CalendarYear.select().where(CalendarYear.year == 2026).exists()
    assert Holiday.get_by_id(date(2026, 10, 1)).name == "国庆节"
    # 10 working days: the first is the start day if it is one, else the next one.
    assert add_working_days(date(2026, 9, 25), 10) == date(2026, 10, 15)  # 国庆节 and 调休 10-10
    for start in (date(2026, 9, 25), date(2026, 4, 30), date(2026, 2, 10), date(2026, 11, 25)):
        assert add_working_days(start, 10) == chinese_calendar.find_workday(9, start)


def test_a_year_without_published_holidays_is_refused_loudly(db_session):
    from datetime import date

    import pytest

    from infra.calendar import CalendarUnknown, add_working_days

    with pytest.raises(CalendarUnknown) as exc:
        add_working_days(date(2027, 2, 10), 10)
    assert "2027年的法定节假日安排尚未录入" in str(exc.value)


def test_reference_loading_is_idempotent_and_keeps_staff_edits(db_session):
    from seed import load_reference

    Option.update(name="企业（法人）").where(Option.kind == "unit_type", Option.code == "enterprise").execute()
    Page.update(body="新的协议文本").where(Page.slug == "agreement").execute()
    counts = load_reference()
    assert set(counts.values()) == {0}
    assert Option.get(Option.kind == "unit_type", Option.code == "enterprise").name == "企业（法人）"
    assert Page.get_by_id("agreement").body == "新的协议文本"
    from seed import load_pages

    Page.delete().execute()
    assert load_pages() == 2  # restore for the other tests


def test_categories_import_from_csv(db_session, tmp_path):
    from seed import import_categories

    path = tmp_path / "cats.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "level", "parent_code"])
        w.writerows([["99", "测试大类", 1, ""], ["9901", "测试中类", 2, "99"]])
    assert import_categories(path) == 2
    assert ProductCategory.get_by_id("9901").parent_code == "99"
    ProductCategory.delete().where(ProductCategory.code.in_(["99", "9901"])).execute()


def test_demo_data_is_loaded_once_with_a_verified_unit_and_the_staff(db_session):
    from seed import load_demo

    lines = load_demo()
    assert any("demo_reviewer" in line for line in lines)
    load_demo()  # a second `make run`
    assert User.select().where(User.username == "demo_unit").count() == 1
    unit = Unit.get(Unit.user == User.get(User.username == "demo_unit"))
    assert unit.status == "approved" and unit.name == "深圳示范智能科技有限公司"
    from infra.validators import is_valid_uscc

    assert is_valid_uscc(unit.credit_code)
    for name, role in (("demo_reviewer", "reviewer"), ("demo_officer", "officer"),
                       ("demo_handler", "handler"), ("demo_admin", "admin")):
        assert User.get(User.username == name).role_names == {role}
