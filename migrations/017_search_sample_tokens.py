"""Peewee migrations -- 017_search_sample_tokens.py.

产品信息查询 on SQLite (domain/search.py, issue 16): the text index `searchfts` gets a fourth
column, `meta`, holding as tokens what PostgreSQL's meta lexemes hold (migration 016) but the
blocks of ids (search.meta_tokens): the row's sample bucket (1/256 of the rows, a hash of the
product id) such as `s17`, and its filter values such as `p44` or `i3841`.
- A broad query's counts are estimated from the matches of a few buckets that FTS5 itself picks
  (`meta: (s0 OR s1)`), so the rows read do not grow with the table; before, every match's
  rowid was hashed to find the sample's (the time of 电池 grew 1.76× from 100,000 to 300,000
  products).
- The filters are part of the FTS5 query, not a join to searchdoc for every match.
A user's text is matched in the other three columns only.

FTS5 cannot add a column: the table is made anew and filled from the old one, the tokens
computed in SQL from searchdoc as search.meta_tokens() does.

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
def _when(condition, token):
    return f"CASE WHEN {condition} THEN {token} ELSE '' END"


# search.meta_tokens() in SQL, over the old text row f and its searchdoc row d.
STATUS, SECTION, INDUSTRY, CATEGORY, PROVINCE, YEAR = (
    f'd."{name}"' for name in ("status", "section", "industry", "category", "province", "year"))
META = " || ' ' || ".join([
    f"'st' || REPLACE({STATUS}, '_', '')",
    "'s' || ((f.rowid * 2654435761) % 4294967296 / 16777216)",  # search.fine_sample_of()
    _when(f"{SECTION} <> ''", f"'i' || {SECTION}"),
    *(_when(f"LENGTH({INDUSTRY}) >= {n}", f"'i' || SUBSTR({INDUSTRY}, 1, {n})") for n in range(2, 5)),
    _when(f"{CATEGORY} = ''", "'c'"),
    *(_when(f"LENGTH({CATEGORY}) >= {n}", f"'c' || SUBSTR({CATEGORY}, 1, {n})") for n in range(2, 11)),
    _when(f"{PROVINCE} <> ''", f"'p' || {PROVINCE}"),
    _when(f"{YEAR} IS NOT NULL", f"'y' || {YEAR}"),
])


def _postgres(database):
    return isinstance(getattr(database, "obj", database), pw.PostgresqlDatabase)


def _remake(migrator, columns, values):
    """searchfts made anew with these columns, filled from the old table (f) and searchdoc (d)
    with these values."""
    migrator.sql('DROP TRIGGER IF EXISTS "searchdoc_ad"')
    migrator.sql('ALTER TABLE "searchfts" RENAME TO "searchfts_old"')
    migrator.sql(f'CREATE VIRTUAL TABLE "searchfts" USING fts5({", ".join(columns)}, {TOKENIZE})')
    migrator.sql(f'INSERT INTO "searchfts" (rowid, {", ".join(columns)}) '
                 f'SELECT f.rowid, {", ".join(values)} FROM "searchfts_old" f '
                 'LEFT JOIN "searchdoc" d ON d."product_id" = f.rowid')
    migrator.sql('DROP TABLE "searchfts_old"')
    migrator.sql(TRIGGER)
    migrator.sql("""INSERT INTO "searchfts" ("searchfts") VALUES ('optimize')""")  # one segment


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.sql('DROP INDEX IF EXISTS "searchdoc_sample"')
    migrator.sql('ALTER TABLE "searchdoc" DROP COLUMN "sample"')
    if not _postgres(database):
        _remake(migrator, ("title", "unit", "body", "meta"), ("f.title", "f.unit", "f.body", META))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    if not _postgres(database):
        _remake(migrator, ("title", "unit", "body"), ("f.title", "f.unit", "f.body"))
    remainder = ('MOD("product_id" * 2654435761, 4294967296)' if _postgres(database)
                 else '("product_id" * 2654435761) % 4294967296')
    migrator.sql('ALTER TABLE "searchdoc" ADD COLUMN "sample" SMALLINT NOT NULL DEFAULT 0')
    migrator.sql(f'UPDATE "searchdoc" SET "sample" = {remainder} / 268435456')
    migrator.sql('CREATE INDEX "searchdoc_sample" ON "searchdoc" ("sample", "product_id")')
