"""Peewee migrations -- 008_patent_claim_proof.py.

What a unit's claim to a patent rests on (domain/patents.claim_basis): the transfer proof of a
受让 patent the registry does not show as the unit's yet, or the contract of a 被许可 patent,
uploaded in 手动新增专利 and shown to the reviewer beside the patent; and the day the daily
patent watch found that a claim no longer stands (the registry's patentees no longer include
the unit: transferred away; or the licence ended), so the unit is told once.

Both columns are nullable: existing rows keep NULL (no upload; not lost).
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields(
        'unitpatent',
        proof_file=pw.ForeignKeyField(column_name='proof_file_id', field='id', model=migrator.orm['storedfile'],
                                      null=True, on_delete='SET NULL'),
        lost_at=pw.DateTimeField(null=True),
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_fields('unitpatent', 'proof_file', 'lost_at')
