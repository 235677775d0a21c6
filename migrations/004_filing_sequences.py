"""Peewee migrations -- 004_filing_sequences.py.

Named counters for filing and certificate numbers. Taking the year's highest number by
scanning the products read every filing of the year on each approval (bench/review_queue.py)
and let two concurrent approvals on PostgreSQL take the same number; a counter row is
incremented inside the approval's transaction instead.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    @migrator.create_model
    class Sequence(pw.Model):
        name = pw.CharField(max_length=40, primary_key=True)
        created_at = pw.DateTimeField()
        last = pw.IntegerField(default=0)

        class Meta:
            table_name = "sequence"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_model('sequence')
