"""The large daily benchmark's memory figure counts what a step's children hold too (dbt runs
in a process of its own): a child holding 200 MB shows in the tree's resident memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from benchmarks.daily_large import tree_rss_mb

HOLD = "import sys, time; block = bytearray(200 * 2**20); print('ready', flush=True); time.sleep(60)"


def test_the_peak_counts_the_memory_of_child_processes():
    alone = tree_rss_mb(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", HOLD], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.1)
        with_child = tree_rss_mb(os.getpid())
    finally:
        child.kill()
        child.wait()
    assert alone > 10
    assert with_child - alone > 150, (alone, with_child)


def test_each_day_after_the_first_run_is_a_phase_of_its_own_day():
    from datetime import timedelta

    from benchmarks.daily_large import HISTORY_END, phase_day, phase_names

    assert phase_names(2) == ["first_run", "day_1", "day_2"]
    assert phase_day("day_3") == HISTORY_END + timedelta(days=3)
