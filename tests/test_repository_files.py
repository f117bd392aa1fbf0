"""What the repository tracks: a clean clone must build on any machine.

A session once committed its `.venv` symlink (pointing into a deleted worktree); the next clean
clone had a dangling `.venv` and `make install` stopped before installing anything.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SYMLINK_MODE = "120000"


def _tracked_entries() -> list[tuple[str, str]]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: nothing tracked to check")
    listing = subprocess.run(
        ["git", "ls-files", "--stage"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    entries = []
    for line in listing.splitlines():
        meta, path = line.split("\t", 1)
        entries.append((meta.split()[0], path))
    return entries


def test_no_tracked_file_is_a_symlink():
    links = [path for mode, path in _tracked_entries() if mode == SYMLINK_MODE]
    assert links == []


def test_no_local_environment_or_warehouse_is_tracked():
    local = (".venv", ".relance", "dbt_project/target", "dbt_project/logs")
    tracked = [path for _, path in _tracked_entries() if path.startswith(local)]
    assert tracked == []
