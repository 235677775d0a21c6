"""Peewee migrations -- 014_search_sample.py.

产品信息查询 at scale (domain/search.py): each index row's `sample` bucket (0–15, a hash of the
product id, spread evenly and unrelated to its year, province or unit), indexed, so that the
counts of a broad text query are estimated from one bucket's matches (1/16 of them) instead of
reading every match; the result count then says 约.

The UPDATE fills the rows indexed before this migration with the same hash search.sample_of()
gives new rows.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


# search.sample_of(): the top 4 bits of the low 32 bits of the id times Knuth's constant
# (MOD on PostgreSQL: psycopg reads a bare % as a parameter).
SAMPLE = '({}) / 268435456'
PRODUCT = '"product_id" * 2654435761'


def _postgres(database):
    return isinstance(getattr(database, "obj", database), pw.PostgresqlDatabase)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.sql('ALTER TABLE "searchdoc" ADD COLUMN "sample" SMALLINT NOT NULL DEFAULT 0')
    remainder = f"MOD({PRODUCT}, 4294967296)" if _postgres(database) else f"({PRODUCT}) % 4294967296"
    migrator.sql(f'UPDATE "searchdoc" SET "sample" = {SAMPLE.format(remainder)}')
    migrator.sql('CREATE INDEX "searchdoc_sample" ON "searchdoc" ("sample", "product_id")')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.sql('DROP INDEX IF EXISTS "searchdoc_sample"')
    migrator.sql('ALTER TABLE "searchdoc" DROP COLUMN "sample"')
