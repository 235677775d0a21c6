"""Peewee migrations -- 012_reference_active_and_category_other.py.

Reference data kept in the back office (admin_app/reference_data.py): 国民经济行业分类,
统计用产品分类目录 and 国家和地区 can be 停用 (no longer offered to units; a code in use is never
deleted). And a product's 其他 category: the shipped 统计用产品分类目录 holds 大类 01–22 only,
so a unit whose product is not listed types its category (kept as text, flagged for the
reviewer) instead of picking a wrong one.

The columns are added NOT NULL with a database default in one statement (existing rows: active,
no text), as 006 does, so SQLite does not rebuild the tables.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def _active():
    return pw.BooleanField(default=True, constraints=[pw.SQL("DEFAULT TRUE")])


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields('industry', allow_not_null=True, active=_active())
    migrator.add_fields('productcategory', allow_not_null=True, active=_active())
    migrator.add_fields('country', allow_not_null=True, active=_active())
    migrator.add_fields('product', allow_not_null=True,
                        category_other=pw.CharField(default='', max_length=100, constraints=[pw.SQL("DEFAULT ''")]))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_fields('product', 'category_other')
    migrator.remove_fields('country', 'active')
    migrator.remove_fields('productcategory', 'active')
    migrator.remove_fields('industry', 'active')
