"""`flask zlcp migrate` builds the schema the models describe, and is idempotent."""

import os

import pytest
from peewee import SqliteDatabase
from playhouse.db_url import connect

from cli import router, scratch_postgres
from domain.search import INDEX_TABLES, fine_sample_of, meta_tokens
from models import ALL_MODELS, db


def _describe(database):
    """{table: {column: (type, nullable)}} plus the set of unique index column tuples."""
    tables = {}
    uniques = set()
    for table in database.get_tables():
        if table == "migratehistory" or table.startswith(INDEX_TABLES):
            continue  # the search index (search.py) is built by SQL in its migration
        cols = {c.name: (c.data_type.lower().split("(")[0], c.null) for c in database.get_columns(table)}
        tables[table] = cols
        for idx in database.get_indexes(table):
            if idx.unique:
                uniques.add((table, tuple(idx.columns)))
    return tables, uniques


def _migrated_vs_models(make_db):
    migrated, reference = make_db(), make_db()
    original = db.database.obj
    try:
        db.database.initialize(migrated)
        applied = router().run()
        assert applied and router().run() == []  # idempotent: nothing left the second time
        db.database.initialize(reference)
        reference.create_tables(ALL_MODELS)
        return _describe(migrated), _describe(reference)
    finally:
        db.database.initialize(original)


def test_migrations_build_the_models_schema_on_sqlite(tmp_path):
    counter = iter(range(10))
    got, want = _migrated_vs_models(lambda: SqliteDatabase(str(tmp_path / f"m{next(counter)}.db")))
    assert got == want
    assert ("unit", ("credit_code",)) in got[1]
    assert ("assetinfo", ("unit_id", "fiscal_year")) in got[1]
    assert ("patent", ("number",)) in got[1]


@pytest.mark.skipif(not os.environ.get("ZLCP_TEST_DATABASE_URL"), reason="PostgreSQL not configured")
def test_migrations_build_the_models_schema_on_postgresql():
    drops = []

    def make():
        url, drop = scratch_postgres(os.environ["ZLCP_TEST_DATABASE_URL"], prefix="zlcp_mig")
        drops.append(drop)
        return connect(url)

    try:
        got, want = _migrated_vs_models(make)
        assert got == want
        assert ("unit", ("credit_code",)) in got[1]
    finally:
        for drop in drops:
            drop()


def test_the_meta_token_migration_keeps_the_text_index_of_a_sqlite_database(tmp_path):
    """Migration 017 makes searchfts anew with a `meta` column: the rows indexed before keep
    their text and get the tokens search.meta_tokens() gives (sample bucket and filter values),
    the trigger that removes a product's text with its searchdoc row still works, and a user's
    text never matches meta."""
    database = SqliteDatabase(str(tmp_path / "old.db"))
    original = db.database.obj
    rows = [{"product_id": 7, "status": "notice", "section": "C", "industry": "3841", "category": "0101010101",
             "province": "44", "year": 2026},
            {"product_id": 1234567, "status": "filed", "section": "", "industry": "", "category": "",
             "province": "", "year": None}]
    try:
        db.database.initialize(database)
        router().run("016_search_meta_lexemes")
        for row, title in zip(rows, ("动力 电池", "储能 柜"), strict=True):
            database.execute_sql(f'INSERT INTO "searchdoc" ({", ".join(row)}) VALUES ({", ".join("?" * len(row))})',
                                 list(row.values()))
            database.execute_sql('INSERT INTO "searchfts" (rowid, title, unit, body) VALUES (?, ?, ?, ?)',
                                 [row["product_id"], title, "某 公司", ""])
        assert router().run() == ["017_search_sample_tokens"]
        got = database.execute_sql('SELECT rowid, title, meta FROM "searchfts" ORDER BY rowid').fetchall()
        assert [(pid, title) for pid, title, _meta in got] == [(7, "动力 电池"), (1234567, "储能 柜")]
        for (_pid, _title, meta), row in zip(got, rows, strict=True):
            assert meta.split() == meta_tokens(row).split()
        assert "c01010101" in got[0][2].split() and "c" in got[1][2].split()
        assert "sample" not in [c.name for c in database.get_columns("searchdoc")]
        token = f"s{fine_sample_of(7)}"
        match = 'SELECT rowid FROM "searchfts" WHERE "searchfts" MATCH ?'
        assert database.execute_sql(match, [f"电池 AND meta: {token}"]).fetchall() == [(7,)]
        assert database.execute_sql(match, ['公司 AND meta: ("p44" "i384")']).fetchall() == [(7,)]
        assert database.execute_sql(match, ["{title unit body}: (" + token + ")"]).fetchall() == []
        database.execute_sql('DELETE FROM "searchdoc" WHERE "product_id" = 7')
        assert database.execute_sql('SELECT rowid FROM "searchfts"').fetchall() == [(1234567,)]
    finally:
        db.database.initialize(original)
