"""Runs a crash left STARTED: the process running them is gone, yet the Dagster UI would show them
running for good and the one-run-at-a-time queue would wait behind them.

Runs the daemon launches (schedules, sensors, UI backfills) are watched by Dagster's run
monitoring (orchestration/dagster.yaml). Runs `make run` executes in its own process carry that
process's id and host; the next `make run` marks those whose process is no longer alive failed.
"""

from __future__ import annotations

import os
import socket

PID_TAG, HOST_TAG = "relance/pid", "relance/host"


def launch_tags() -> dict[str, str]:
    """The tags an in-process run carries so that a later start can tell whether it still runs."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def fail_abandoned_runs(instance) -> list[str]:
    """Mark failed every STARTED (or STARTING) run of this host whose process is gone; their ids."""
    import dagster as dg

    failed = []
    running = instance.get_runs(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING])
    )
    for run in running:
        pid, host = run.tags.get(PID_TAG), run.tags.get(HOST_TAG)
        if pid and host == socket.gethostname() and int(pid) != os.getpid() and not _alive(int(pid)):
            instance.report_run_failed(run, f"the process that ran it ({pid}) ended without finishing it")
            failed.append(run.run_id)
    return failed
