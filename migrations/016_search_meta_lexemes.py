"""Peewee migrations -- 016_search_meta_lexemes.py.

产品信息查询 on PostgreSQL (domain/search.py, issue 16): each index row's tsvector also holds
lexemes of its filter values, a fine sample bucket (1/256) and its block of 4,096 ids
(search.meta_lexemes), so that GIN itself picks the matches under filters, in a sample or among
the newest ids, and a search reads only those rows.
The UPDATE gives the rows indexed before this migration the same lexemes in SQL.

The GIN index stops collecting new entries in a pending list (`fastupdate`): every search
scanned that list whole, up to 4 MB of it (3 ms of a 5 ms query at 100,000 products), and
index writes are one product at a time here.

Nothing changes on SQLite.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def _postgres(database):
    return isinstance(getattr(database, "obj", database), pw.PostgresqlDatabase)


LEXEMES = """ARRAY(
    SELECT '_st_' || "status"
    UNION ALL SELECT '_s_' || (MOD("product_id" * 2654435761, 4294967296) / 16777216)
    UNION ALL SELECT '_b_' || ("product_id" / 4096)
    UNION ALL SELECT '_i_' || "section" WHERE "section" <> ''
    UNION ALL SELECT '_i_' || SUBSTR("industry", 1, n) FROM GENERATE_SERIES(2, LENGTH("industry")) n
    UNION ALL SELECT '_c_' || SUBSTR("category", 1, n) FROM GENERATE_SERIES(2, LENGTH("category")) n
    UNION ALL SELECT '_c_' WHERE "category" = ''
    UNION ALL SELECT '_p_' || "province" WHERE "province" <> ''
    UNION ALL SELECT '_y_' || "year" WHERE "year" IS NOT NULL)"""


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    if _postgres(database):
        migrator.sql('ALTER INDEX "searchdoc_document" SET (fastupdate = off)')
        migrator.sql(f'UPDATE "searchdoc" SET "document" = COALESCE("document", \'\') '
                     f'|| ARRAY_TO_TSVECTOR({LEXEMES})')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    if _postgres(database):
        migrator.sql('UPDATE "searchdoc" SET "document" = TS_DELETE("document", ARRAY(SELECT lexeme '
                     'FROM UNNEST("document") WHERE lexeme LIKE \'\\_%\'))')
        migrator.sql('ALTER INDEX "searchdoc_document" SET (fastupdate = on)')
