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


def test_concurrent_approvals_of_different_filings_get_different_numbers(app, make):
    reviewers = [make.staff("reviewer"), make.staff("reviewer")]
    unit = make.approved_unit(reviewers[0])
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    products = [workflows.apply(make.complete_product(unit), "submit", unit.user) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors = []

    def approve(reviewer, product_id):
        with app.app_context(), db.database.connection_context():
            product = Product.get_by_id(product_id)
            barrier.wait()
            try:
                workflows.apply(product, "approve", reviewer)
            except Exception as exc:  # noqa: BLE001 - the assertion below shows it
                errors.append(exc)

    threads = [threading.Thread(target=approve, args=(r, p.id)) for r, p in zip(reviewers, products)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    numbers = sorted(Product.get_by_id(p.id).filing_number for p in products)
    assert len(set(numbers)) == 2 and [int(n[-5:]) for n in numbers] == [1, 2]


def test_filing_sequence_continues_after_numbers_given_before_the_counter(make):
    from domain.filing.numbers import next_filing_number
    from models import Sequence, today_shanghai

    unit = make.approved_unit()
    year = today_shanghai().year
    Product.create(unit=unit, status="filed", filing_number=f"{year}11{41:05d}")
    Product.create(unit=unit, status="filed", filing_number=f"{year - 1}11{99:05d}")  # last year's
    product = make.complete_product(unit)
    assert next_filing_number(product) == f"{year}44{42:05d}"
    assert next_filing_number(product) == f"{year}44{43:05d}"
    assert Sequence.get_by_id(f"filing-{year}").last == 43


def test_a_decision_on_a_status_the_reviewer_no_longer_sees_is_refused(make, db_session):
    first, second = make.staff("reviewer"), make.staff("reviewer")
    unit = make.approved_unit(first)
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    product = workflows.apply(make.complete_product(unit), "submit", unit.user)
    workflows.apply(product, "reject", first, reason="材料不全")
    # the second reviewer decides on the 待审核 page they opened before the rejection
    fresh = Product.get_by_id(product.id)
    with pytest.raises(workflows.AlreadyDecided, match="已由"):
        workflows.apply(fresh, "approve", second, seen="pending")
    assert Product.get_by_id(product.id).status == "rejected"
