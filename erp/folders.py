"""Drop folders are named by their extraction date, ``YYYY-MM-DD``.

A folder that only looks like one (``2026-02-30``, ``2026-13-01``: a typo, a test, a script
gone wrong) is not an extraction: it is skipped with a warning, so that one stray folder never
stops the runs of the real days next to it.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path

log = logging.getLogger(__name__)

_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def dated_folders(root: Path) -> list[tuple[date, Path]]:
    """The folders of ``root`` named by a real date, sorted by date."""
    if not root.is_dir():
        return []
    found = []
    for folder in root.iterdir():
        if not (folder.is_dir() and _DATE_LIKE.match(folder.name)):
            continue
        try:
            found.append((date.fromisoformat(folder.name), folder))
        except ValueError:
            log.warning("ignoring drop folder %s: %s is not a date", folder, folder.name)
    return sorted(found)
