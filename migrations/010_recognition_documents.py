"""Peewee migrations -- 010_recognition_documents.py.

The documents of a recognised product (domain/recognition/documents.py): besides the
certificate PDF, the QR code PNG and the mark PNG already referenced, their SVG twins, and the
digest of the data they were made from, so that they are made again only when it changes.

The new columns are nullable or default to "": existing rows keep no documents and get them
from the documents job.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields(
        'recognition',
        qr_svg_file=pw.ForeignKeyField(column_name='qr_svg_file_id', field='id', model=migrator.orm['storedfile'],
                                       null=True, on_delete='SET NULL'),
        mark_svg_file=pw.ForeignKeyField(column_name='mark_svg_file_id', field='id',
                                         model=migrator.orm['storedfile'], null=True, on_delete='SET NULL'),
        documents_digest=pw.CharField(default='', max_length=64),
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_fields('recognition', 'qr_svg_file', 'mark_svg_file', 'documents_digest')
