"""Peewee migrations -- 002_review_queue_indexes.py.

The back-office review queues show one state, oldest first, 50 at a time. With an index on
(status, time, id) the database reads the first page in index order instead of sorting every
product of the state (the filed queue: 95,000 rows in bench/review_queue.py).
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_index('product', 'status', 'filed_at', 'id', unique=False)

    migrator.add_index('product', 'status', 'submitted_at', 'id', unique=False)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.drop_index('product', 'status', 'filed_at', 'id')

    migrator.drop_index('product', 'status', 'submitted_at', 'id')
