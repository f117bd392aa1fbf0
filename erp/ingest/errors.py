"""The errors a drop raises when a whole file breaks the contract, worded for the person who
fixes the export: every problem of the drop at once, each naming its file and the column or
line, and never a value of the file (rows hold names and e-mail addresses, and these messages
end up in logs and in Dagster's run storage)."""

from __future__ import annotations

import re
from pathlib import Path

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


class DropFileError(ValueError):
    """A whole file (or the drop folder) breaks the contract; nothing of it is loaded."""

    def __init__(self, path: Path | str, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class DropErrors(DropFileError):
    """Every file-level problem of one drop; ``str()`` is the whole report, so that a user fixes
    all files before the next run instead of one per run."""

    def __init__(self, drop_dir: Path | str, problems: list[DropFileError]):
        self.problems = sorted(problems, key=lambda p: p.path)
        lines = "\n".join(f"- {p}" for p in self.problems)
        count = f"{len(self.problems)} problem{'s' if len(self.problems) > 1 else ''}"
        super().__init__(
            drop_dir,
            f"{count} in this drop; nothing of the day was loaded. Fix the export and run the day again:\n{lines}",
        )


def redact(message: str) -> str:
    """A library's error message reduced to what is safe to show: its first line, with anything
    it quotes (DuckDB and pyarrow quote the offending value or row) replaced by an ellipsis."""
    first = message.strip().splitlines()[0] if message.strip() else "no detail"
    return _QUOTED.sub("'…'", first)[:200]
