"""Peewee migrations -- 015_objection_handling.py.

公众异议 handled end to end (manual §九, domain/objections/): each objection's 处理期限, the
fingerprint that links the same objection sent twice, 请单位说明 (the request, its due day
and the unit's reply), and which side a file came with (objector or unit).
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields(
        'objection',
        deadline=pw.DateField(null=True),
        fingerprint=pw.CharField(default='', max_length=64, index=True),
        repeats=pw.IntegerField(default=0),
        reply_request=pw.TextField(default=''),
        reply_requested_at=pw.DateTimeField(null=True),
        reply_due=pw.DateField(null=True),
        reply=pw.TextField(default=''),
        replied_at=pw.DateTimeField(null=True),
    )
    migrator.add_fields('objectionfile', kind=pw.CharField(default='objector', max_length=10))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_fields('objectionfile', 'kind')
    migrator.remove_fields('objection', 'deadline', 'fingerprint', 'repeats', 'reply_request',
                           'reply_requested_at', 'reply_due', 'reply', 'replied_at')
