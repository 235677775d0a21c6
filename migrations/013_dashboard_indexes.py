"""Peewee migrations -- 013_dashboard_indexes.py.

The reviewer's 工作台 counts their decisions of today (domain/dashboards.py): an index on the
audit log's (actor, created_at) reads those rows instead of every audit row.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_index('auditlog', 'actor', 'created_at', unique=False)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.drop_index('auditlog', 'actor', 'created_at')
