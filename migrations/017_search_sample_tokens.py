"""Peewee migrations -- 017_search_sample_tokens.py.

产品信息查询 on SQLite (domain/search.py, issue 16): the text index `searchfts` gets a fourth
column, `meta`, holding the row's fine sample bucket (1/256 of the rows, a hash of the product
id) as a token such as `s17`. A broad query's counts are then estimated from the matches of a
few buckets that FTS5 itself picks (`meta: (s0 OR s1)`), so the rows read do not grow with the
table; before, every match's rowid was hashed to find the sample's (the time of 电池 grew 1.76×
from 100,000 to 300,000 products). A user's text is matched in the other three columns only.

FTS5 cannot add a column: the table is made anew and filled from the old one, the bucket
computed in SQL as search.fine_sample_of() does.

The `sample` column of searchdoc (migration 014, sixteen buckets) goes on both databases:
nothing reads it since PostgreSQL's lexemes (migration 016) and these tokens.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


TOKENIZE = "tokenize = 'unicode61 remove_diacritics 0'"
TRIGGER = ('CREATE TRIGGER "searchdoc_ad" AFTER DELETE ON "searchdoc" '
           'BEGIN DELETE FROM "searchfts" WHERE rowid = old."product_id"; END')
HASH = "(rowid * 2654435761) % 4294967296"  # search.fine_sample_of(): its top 8 bits


def _postgres(database):
    return isinstance(getattr(database, "obj", database), pw.PostgresqlDatabase)


def _remake(migrator, columns, values):
    """searchfts made anew with these columns, filled from the old table with these values."""
    migrator.sql('DROP TRIGGER IF EXISTS "searchdoc_ad"')
    migrator.sql('ALTER TABLE "searchfts" RENAME TO "searchfts_old"')
    migrator.sql(f'CREATE VIRTUAL TABLE "searchfts" USING fts5({", ".join(columns)}, {TOKENIZE})')
    migrator.sql(f'INSERT INTO "searchfts" (rowid, {", ".join(columns)}) '
                 f'SELECT rowid, {", ".join(values)} FROM "searchfts_old"')
    migrator.sql('DROP TABLE "searchfts_old"')
    migrator.sql(TRIGGER)
    migrator.sql("""INSERT INTO "searchfts" ("searchfts") VALUES ('optimize')""")  # one segment


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.sql('DROP INDEX IF EXISTS "searchdoc_sample"')
    migrator.sql('ALTER TABLE "searchdoc" DROP COLUMN "sample"')
    if not _postgres(database):
        _remake(migrator, ("title", "unit", "body", "meta"),
                ("title", "unit", "body", f"'s' || ({HASH} / 16777216)"))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    if not _postgres(database):
        _remake(migrator, ("title", "unit", "body"), ("title", "unit", "body"))
    remainder = ('MOD("product_id" * 2654435761, 4294967296)' if _postgres(database)
                 else '("product_id" * 2654435761) % 4294967296')
    migrator.sql('ALTER TABLE "searchdoc" ADD COLUMN "sample" SMALLINT NOT NULL DEFAULT 0')
    migrator.sql(f'UPDATE "searchdoc" SET "sample" = {remainder} / 268435456')
    migrator.sql('CREATE INDEX "searchdoc_sample" ON "searchdoc" ("sample", "product_id")')
