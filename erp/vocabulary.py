"""Segments, channels, tones and incentives, read once from vocabulary.yaml beside this module.

Every stage names these the same way: the planner and the configuration check import the
constants below, dbt reads the seed this module writes (``python -m erp.vocabulary``), and a
test fails when the seed no longer matches the file. Dependency-free on purpose (only PyYAML), so
the contract, the data-quality suites and the journeys share it: it lives with the contract, the
layer every other one reads (contact history carries channels, tones and incentives too).
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import yaml

SOURCE = Path(__file__).resolve().parent / "vocabulary.yaml"
SEED = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "vocabulary.csv"
BEST_INCENTIVE = "best"  # a step's placeholder for the next-best-action pick, never sent as such

_WORDS = yaml.safe_load(SOURCE.read_text())

SEGMENTS: tuple[str, ...] = tuple(_WORDS["segments"])
CHANNELS: tuple[str, ...] = tuple(_WORDS["channels"])  # every channel, in planning order
JOURNEY_CHANNELS = tuple(c for c, v in _WORDS["channels"].items() if v["journeys"])
CUSTOMER_FACING = tuple(c for c, v in _WORDS["channels"].items() if v["customer_facing"])
TONES: tuple[str, ...] = tuple(_WORDS["tones"])  # mildest first
FIRM_TONES = tuple(t for t, v in _WORDS["tones"].items() if v["firm"])
INCENTIVES: tuple[str, ...] = tuple(_WORDS["incentives"])
STEP_INCENTIVES = INCENTIVES + (BEST_INCENTIVE,)
TONE_RANK = {tone: rank for rank, tone in enumerate(TONES)}
CHANNEL_ORDER = {channel: rank for rank, channel in enumerate(CHANNELS)}


def seed_csv() -> str:
    """The dbt seed's content: one row per (kind, name), in the file's order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "name", "position"])
    for kind, names in (("segment", SEGMENTS), ("channel", CHANNELS), ("tone", TONES), ("incentive", INCENTIVES)):
        writer.writerows((kind, name, position) for position, name in enumerate(names))
    return out.getvalue()


def main() -> int:
    """`python -m erp.vocabulary`: re-write the dbt seed after editing vocabulary.yaml."""
    SEED.write_text(seed_csv())
    print(f"wrote {SEED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
