"""Two reviewers approve the same filing at the same moment, on two connections:
exactly one decision stands (on PostgreSQL in CI; on SQLite locally)."""

import threading

import pytest

import workflows
from models import AssetInfo, AuditLog, Product, db, last_fiscal_year


def test_two_concurrent_approvals_exactly_one_wins(app, make):
    reviewers = [make.staff("reviewer"), make.staff("reviewer")]
    unit = make.approved_unit(reviewers[0])
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    product = workflows.apply(make.complete_product(unit), "submit", unit.user)
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(reviewer, event):
        with app.app_context(), db.database.connection_context():
            stale = Product.get_by_id(product.id)  # both read 待审核
            barrier.wait()
            try:
                workflows.apply(stale, event, reviewer, reason="理由")
                outcomes.append(("won", event))
            except workflows.AlreadyDecided as exc:
                outcomes.append(("lost", str(exc.message)))

    threads = [threading.Thread(target=decide, args=(r, e))
               for r, e in zip(reviewers, ("approve", "reject"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(o[0] for o in outcomes) == ["lost", "won"]
    winner = next(o[1] for o in outcomes if o[0] == "won")
    final = Product.get_by_id(product.id).status
    assert final == {"approve": "filed", "reject": "rejected"}[winner]
    decisions = AuditLog.select().where(AuditLog.object_type == "product",
                                        AuditLog.event.in_(["approve", "reject"]))
    assert decisions.count() == 1
    loser_message = next(o[1] for o in outcomes if o[0] == "lost")
    assert "该事项已由" in loser_message


def test_network_beyond_loopback_is_blocked_in_tests():
    import socket

    from pytest_socket import SocketConnectBlockedError

    # pytest-socket warns, then refuses: the warning is an error under filterwarnings.
    with pytest.raises((SocketConnectBlockedError, UserWarning), match="203.0.113.10"):
        socket.create_connection(("203.0.113.10", 80), timeout=1)
