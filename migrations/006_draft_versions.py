"""Peewee migrations -- 006_draft_versions.py.

A version counter on the two kinds of draft, a product filing and a yearly update: the drafts
service (domain/filing/drafts.py) adds one at every write and writes only while the version
is the one the page was read at, so an edit made in another tab is detected, not overwritten.

The column is added NOT NULL with a database default in one statement (existing rows get 0)
on SQLite and PostgreSQL alike; peewee's default way (nullable, fill, SET NOT NULL) rebuilds
the table on SQLite, and dropping the old `product` table would cascade to its children.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def _version():
    return pw.IntegerField(default=0, constraints=[pw.SQL("DEFAULT 0")])


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields('product', allow_not_null=True, version=_version())
    migrator.add_fields('yearlyupdate', allow_not_null=True, version=_version())


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_fields('yearlyupdate', 'version')
    migrator.remove_fields('product', 'version')
