"""Peewee migrations -- 005_search_index.py.

The index of 产品信息查询 (search.py): one `searchdoc` row per public product with its public
status and facet columns, and the text as CJK bigram + unigram tokens — in an FTS5 table
`searchfts` on SQLite, in a `tsvector` column with a GIN index on PostgreSQL (no pg_trgm:
it extracts nothing from Chinese under LC_CTYPE=C and helps 3+ characters only).
`flask zlcp migrate` fills the index after applying this migration.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


COLUMNS = """
    "product_id" INTEGER NOT NULL PRIMARY KEY REFERENCES "product" ("id") ON DELETE CASCADE,
    "status" VARCHAR(20) NOT NULL,
    "section" VARCHAR(1) NOT NULL DEFAULT '',
    "industry" VARCHAR(4) NOT NULL DEFAULT '',
    "category" VARCHAR(10) NOT NULL DEFAULT '',
    "province" VARCHAR(2) NOT NULL DEFAULT '',
    "year" INTEGER,
    "filed_at" {timestamp},
    "document" {document}
"""


def _postgres(database):
    return isinstance(getattr(database, "obj", database), pw.PostgresqlDatabase)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    if _postgres(database):
        migrator.sql('CREATE TABLE "searchdoc" (' + COLUMNS.format(timestamp="TIMESTAMP", document="TSVECTOR") + ")")
        migrator.sql('CREATE INDEX "searchdoc_document" ON "searchdoc" USING GIN ("document")')
    else:
        migrator.sql('CREATE TABLE "searchdoc" (' + COLUMNS.format(timestamp="DATETIME", document="TEXT") + ")")
        migrator.sql('CREATE VIRTUAL TABLE "searchfts" USING fts5(title, unit, body, '
                     "tokenize = 'unicode61 remove_diacritics 0')")
        # Keeps searchfts in step when a searchdoc row goes (also by ON DELETE CASCADE).
        migrator.sql('CREATE TRIGGER "searchdoc_ad" AFTER DELETE ON "searchdoc" '
                     'BEGIN DELETE FROM "searchfts" WHERE rowid = old."product_id"; END')
    migrator.sql('CREATE INDEX "searchdoc_filed_at" ON "searchdoc" ("filed_at", "product_id")')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    if not _postgres(database):
        migrator.sql('DROP TRIGGER IF EXISTS "searchdoc_ad"')
        migrator.sql('DROP TABLE IF EXISTS "searchfts"')
    migrator.sql('DROP TABLE IF EXISTS "searchdoc"')
