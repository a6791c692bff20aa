"""A job run in a forked process, and run here when the child cannot deliver."""

from __future__ import annotations

import os

import pytest

from gaitvision.report.forked import ForkedCall, can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs two cores and fork")


def _pid_and(x):
    return os.getpid(), x * 2


def _fails_in_child(parent_pid):
    if os.getpid() != parent_pid:
        raise RuntimeError("broken in the child")
    return "made here"


def _dies_in_child(parent_pid):
    if os.getpid() != parent_pid:
        os._exit(3)  # killed without a reply
    return "made here"


def test_the_job_runs_in_another_process_and_returns_its_value():
    pid, value = ForkedCall(_pid_and, 21).result()
    assert value == 42 and pid != os.getpid()


@pytest.mark.parametrize("job", [_fails_in_child, _dies_in_child])
def test_a_child_that_fails_or_dies_is_redone_here(job, caplog):
    assert ForkedCall(job, os.getpid(), name="gaitvision-test").result() == "made here"
    assert "gaitvision-test failed in its process" in caplog.text
