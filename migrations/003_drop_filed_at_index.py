"""Peewee migrations -- 003_drop_filed_at_index.py.

The 已备案 review list now goes in id order (product_review.QUEUE_STATES), which the status
index yields without sorting, so the (status, filed_at, id) index of 002 serves no query and
only costs a write per filing.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.drop_index('product', 'status', 'filed_at', 'id')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.add_index('product', 'status', 'filed_at', 'id', unique=False)
