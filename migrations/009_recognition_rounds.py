"""Peewee migrations -- 009_recognition_rounds.py.

认定批次 (domain/recognition/rounds.py): the day the officer plans to start the round's public
notice, and the moment the round was closed (a closed round starts no more notices; only one
round is open at a time). A recognition remembers when the reminder 30 days before its
validity ends went out (the daily job sends it once).

All columns are nullable: existing rows keep NULL (no planned start; open; not reminded).
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator

with suppress(ImportError):
    pass


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields(
        'recognitionround',
        notice_start=pw.DateField(null=True),
        closed_at=pw.DateTimeField(null=True),
    )
    migrator.add_fields('recognition', expiry_reminded_at=pw.DateTimeField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_fields('recognition', 'expiry_reminded_at')
    migrator.remove_fields('recognitionround', 'notice_start', 'closed_at')
