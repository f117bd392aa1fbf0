"""A run a crash left STARTED is marked failed on the next start, and only such a run: one whose
process is still alive, or launched elsewhere, is left alone."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.utils import make_new_run_id

from orchestration.abandoned_runs import HOST_TAG, PID_TAG, fail_abandoned_runs, launch_tags


def started_run(instance, tags: dict) -> str:
    run = DagsterRun(job_name="daily_job", run_id=make_new_run_id(), status=dg.DagsterRunStatus.STARTED, tags=tags)
    instance.add_run(run)
    return run.run_id


def test_a_run_whose_process_is_gone_is_marked_failed_and_the_others_are_left_alone(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    with dg.DagsterInstance.ephemeral() as instance:
        crashed = started_run(instance, launch_tags() | {PID_TAG: gone.stdout.strip()})
        alive = started_run(instance, launch_tags())  # this very process
        elsewhere = started_run(instance, launch_tags() | {PID_TAG: gone.stdout.strip(), HOST_TAG: "another-host"})
        daemon = started_run(instance, {})  # launched by the daemon: Dagster's run monitoring watches it
        assert fail_abandoned_runs(instance) == [crashed]
        status = {run_id: instance.get_run_by_id(run_id).status for run_id in (crashed, alive, elsewhere, daemon)}
    assert status[crashed] == dg.DagsterRunStatus.FAILURE
    assert {status[r] for r in (alive, elsewhere, daemon)} == {dg.DagsterRunStatus.STARTED}
