"""models.Prepared on PostgreSQL: the statement is prepared on the server once per connection
and then run with EXECUTE (not planned again); a rolled-back transaction keeps it; a new
connection prepares it anew; the rows are those of the query."""

import os
import threading

import pytest

from models import Prepared, User, db

pytestmark = pytest.mark.skipif(not os.environ.get("ZLCP_TEST_DATABASE_URL"), reason="PostgreSQL not configured")


def recorded(run):
    """(result of run(), the SQL statements it sent)."""
    database = getattr(db.database, "obj", db.database)
    seen, original = [], database.execute_sql

    def recording(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return original(sql, params, *args, **kwargs)

    database.execute_sql = recording
    try:
        return run(), seen
    finally:
        del database.execute_sql


def test_a_prepared_lookup_is_planned_once_per_connection(make):
    first, second = make.staff("reviewer", username="prep_a"), make.staff("reviewer", username="prep_b")
    by_name = Prepared(lambda slot: User.select().where(User.username == slot("name")))
    by_names = Prepared(lambda slot: User.select(User.id).where(User.username.in_(slot.many("names", 5))).tuples())

    found, seen = recorded(lambda: [by_name.first(name="prep_a"), by_name.first(name="prep_b"),
                                    by_name.first(name="nobody"), sorted(by_names.rows(names=["prep_a", "prep_b"]))])
    assert [u.id if u else None for u in found[:3]] == [first.id, second.id, None]
    assert found[3] == sorted([(first.id,), (second.id,)])
    assert [sql.split()[0] for sql in seen] == ["PREPARE", "EXECUTE", "EXECUTE", "EXECUTE", "PREPARE", "EXECUTE"]

    with db.database.atomic() as transaction:  # a rollback leaves the prepared statement in place
        assert by_name.first(name="prep_a").id == first.id
        transaction.rollback()
    found, seen = recorded(lambda: by_name.first(name="prep_b"))
    assert found.id == second.id and [sql.split()[0] for sql in seen] == ["EXECUTE"]

    def elsewhere():  # another thread borrows another connection of the pool: prepared there anew
        with db.database.connection_context():
            out.append(by_name.first(name="prep_a"))

    out = []
    thread = threading.Thread(target=elsewhere)
    _none, seen = recorded(lambda: (thread.start(), thread.join()))
    assert out[0].id == first.id and [sql.split()[0] for sql in seen] == ["PREPARE", "EXECUTE"]
