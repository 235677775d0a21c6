"""A transition can name jobs (documents, reindexing…): they are queued only once its
transaction has committed, with the object's id, and never for a transition that failed."""

import dataclasses

import pytest

import jobs
import workflows
from models import Unit, db

RAN = []


def record(object_id):
    """The job under test: what it sees of the object when it runs."""
    RAN.append((object_id, db.database.in_transaction(), Unit.get_by_id(object_id).status))
    return object_id


@pytest.fixture
def approve_queues_a_job(monkeypatch):
    """The unit's 通过 transition names the job `test.record`."""
    RAN.clear()
    monkeypatch.setitem(jobs.JOBS, "test.record", f"{__name__}:record")
    table = [dataclasses.replace(t, jobs=("test.record",)) if (t.kind, t.event) == ("unit", "approve") else t
             for t in workflows._table]
    monkeypatch.setattr(workflows, "_table", table)


def test_a_transitions_job_runs_after_the_commit_with_the_objects_id(make, approve_queues_a_job):
    draft = make.complete_unit()
    unit = workflows.apply(draft, "submit", draft.user)
    assert RAN == []  # 提交审核 names no job
    reviewer = make.staff("reviewer")
    unit = workflows.apply(unit, "approve", reviewer)
    assert RAN == [(unit.id, False, workflows.UnitStatus.APPROVED)]


def test_no_job_for_a_transition_refused_or_rolled_back(make, approve_queues_a_job):
    draft = make.complete_unit()
    unit = workflows.apply(draft, "submit", draft.user)
    reviewer = make.staff("reviewer")
    with pytest.raises(workflows.AlreadyDecided):
        workflows.apply(unit, "approve", reviewer, seen=workflows.UnitStatus.DRAFT)
    with pytest.raises(RuntimeError), workflows.after_commit(), db.database.atomic():
        workflows.apply(unit, "approve", reviewer)
        raise RuntimeError("the surrounding transaction fails after the transition")
    assert Unit.get_by_id(unit.id).status == workflows.UnitStatus.PENDING
    assert RAN == []


def test_jobs_of_a_batch_run_once_after_its_commit(make, approve_queues_a_job):
    reviewer = make.staff("reviewer")
    units = [workflows.apply(u, "submit", u.user) for u in (make.complete_unit(), make.complete_unit())]
    with workflows.after_commit(), db.database.atomic():
        for unit in units:
            workflows.apply(unit, "approve", reviewer)
        assert RAN == []  # still inside the batch's transaction
    assert sorted(RAN) == sorted((u.id, False, workflows.UnitStatus.APPROVED) for u in units)
