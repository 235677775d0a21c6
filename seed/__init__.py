"""Reference data (CSV files in seed/data) and demo data. Every loader is idempotent:
it inserts what is missing and never overwrites what staff or users changed.
"""

import csv
import os
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from domain import reference_data, search
from domain.accounts import ensure_roles
from infra.calendar import seed_from_library
from models import (
    CalendarYear,
    Country,
    Industry,
    Option,
    Page,
    ProductCategory,
    ReasonTemplate,
    Setting,
    db,
)
from seed import demo

DATA = Path(__file__).resolve().parent / "data"

OPTION_FILES = {
    "unit_type": "unit_types.csv",
    "enterprise_type": "enterprise_types.csv",
    "enterprise_size": "enterprise_sizes.csv",
    "filing_purpose": "filing_purposes.csv",
}


def read_csv(path):
    if not Path(path).exists():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _insert_missing(model, rows, batch=500):
    """Insert rows whose primary/unique key is not there yet; returns how many went in."""
    before = model.select().count()
    if not rows:
        return 0
    with db.database.atomic():
        for start in range(0, len(rows), batch):
            model.insert_many(rows[start:start + batch]).on_conflict_ignore().execute()
    return model.select().count() - before


def load_industries():
    rows = [
        {"code": r["code"], "name": r["name"], "level": int(r["level"]),
         "parent_code": r["parent_code"] or None}
        for r in read_csv(DATA / "gbt4754_2017.csv")
    ]
    return _insert_missing(Industry, rows)


def category_initials(name):
    """Pinyin initials of a category name, for the picker (电池 → dc)."""
    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p).lower()


def import_categories(path):
    """统计用产品分类目录 from a CSV with code,name,level,parent_code (upsert by code): every row
    checked first, nothing loaded when one is wrong (domain.reference_data, as the back office's
    upload). Returns the rows imported; raises ValueError listing the bad rows by line."""
    result = reference_data.import_catalogue(path, "categories")
    if result["errors"]:
        raise ValueError("\n".join(f"第{line}行：{message}" for line, message in result["errors"][:50]))
    return result["imported"]


def load_categories():
    path = DATA / "product_categories.csv"
    if not path.exists():
        return 0
    rows = [
        {"code": r["code"], "name": r["name"], "level": int(r["level"]),
         "parent_code": r["parent_code"] or None, "initials": category_initials(r["name"])}
        for r in read_csv(path)
    ]
    added = _insert_missing(ProductCategory, rows)
    with db.database.atomic():  # rows loaded before the initials were computed
        for row in ProductCategory.select().where(ProductCategory.initials == ""):
            ProductCategory.update(initials=category_initials(row.name)).where(
                ProductCategory.code == row.code).execute()
    return added


def load_countries():
    rows = [{"code": r["code"], "name_zh": r["name_zh"], "name_en": r["name_en"]}
            for r in read_csv(DATA / "countries.csv")]
    return _insert_missing(Country, rows)


def load_options():
    n = 0
    for kind, filename in OPTION_FILES.items():
        rows = [{"kind": kind, "code": r["code"], "name": r["name"], "sort": i}
                for i, r in enumerate(read_csv(DATA / filename))]
        n += _insert_missing(Option, rows)
    return n


def load_reason_templates():
    rows = [{"scope": r["scope"], "code": r["code"], "title": r["title"], "text": r["text"], "sort": i}
            for i, r in enumerate(read_csv(DATA / "reason_templates.csv"))]
    return _insert_missing(ReasonTemplate, rows)


PAGES = {
    "agreement": ("单位注册协议", "agreement.md"),
    "commitment_letter": ("诚信承诺书", "commitment_letter.md"),
}


def load_pages():
    rows = []
    for slug, (title, filename) in PAGES.items():
        if not (DATA / filename).exists():
            continue
        body = (DATA / filename).read_text(encoding="utf-8").strip()
        rows.append({"slug": slug, "title": title, "body": body})
    return _insert_missing(Page, rows)


def load_settings():
    rows = [{"key": "update_window_default", "value": {"opens": "01-01", "closes": "03-31"}}]
    return _insert_missing(Setting, rows)


def load_calendar():
    before = CalendarYear.select().count()
    seed_from_library()
    return CalendarYear.select().count() - before


def load_reference():
    """All reference data; returns {name: rows added}."""
    ensure_roles()
    return {
        "industries": load_industries(),
        "product_categories": load_categories(),
        "countries": load_countries(),
        "options": load_options(),
        "reason_templates": load_reason_templates(),
        "pages": load_pages(),
        "settings": load_settings(),
        "calendar_years": load_calendar(),
    }


def demo_password():
    return os.environ.get("ZLCP_DEMO_PASSWORD", "Demo@2026")


def load_demo():
    """Demo accounts (and, as features land, demo data). Returns lines to print."""
    lines = demo.load(demo_password())
    return [*lines, f"检索索引：公开产品 {search.reindex_all()} 个"]
