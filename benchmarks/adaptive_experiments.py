"""Do adaptive experiments find each segment's better framing? Checked against the simulator's
ground truth after the closed loop's Relance policy (benchmarks/closed_loop.py: the daily job
day after day, models trained first), which it runs first when the work folder holds none.

The simulated customers answer message framings differently (erp/simulator/archetypes.py,
FRAMING_EFFECTS — the planner never sees them). For each segment, the truly better framing is
the arm with the highest mean true effect over the customers the segment's experiment messages
went to (the plain reminder's effect is 0). Printed per segment and 30-day period: the share of
the tested (non-holdout) messages sent in the truly better arm, and the holdout's share of all
exposures against its configured share; then each segment's last allocation decision.

    python benchmarks/adaptive_experiments.py --workdir DIR [--days 90 --customers 400 --seed 11]
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FRAMINGS = ("loss_aversion", "social_proof")
PERIOD_DAYS = 30


def exposures(warehouse: Path) -> pd.DataFrame:
    """Every experiment exposure the loop planned: sent in a variant, or held out."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("""
            select send_day, customer_id, segment, variant from journeys.contact_list
            where experiment is not null and action in ('send', 'hold_out')
            order by send_day, customer_id""").df()


def true_effects(world_root: Path) -> pd.DataFrame:
    """Each customer's true effect per arm (ground truth), the plain reminder at 0."""
    from erp.simulator import World

    with World(world_root)._connect(read_only=True) as con:
        effects = con.execute(
            f"select customer_id, {', '.join(f'effect_framing_{f} as {f}' for f in FRAMINGS)} from customers"
        ).df()
    return effects.assign(control=0.0).set_index("customer_id")


def truly_better(tested: pd.DataFrame, effects: pd.DataFrame) -> pd.Series:
    """Per segment, the arm with the highest mean true effect over the customers it reached."""
    arms = ["control", *FRAMINGS]
    mean = effects.loc[tested.customer_id, arms].assign(segment=tested.segment.to_numpy()).groupby("segment").mean()
    return mean.idxmax(axis=1)


def report(frame: pd.DataFrame, effects: pd.DataFrame, holdout_share: float) -> None:
    frame = frame.assign(send_day=pd.to_datetime(frame.send_day))
    frame["period"] = (frame.send_day - frame.send_day.min()).dt.days // PERIOD_DAYS
    tested = frame[frame.variant != "holdout"]
    best = truly_better(tested, effects)
    print(f"\n{'segment':<12}{'truly better':<16}{'period':>8}{'tested':>8}{'on better':>11}{'holdout share':>15}")
    for segment, arm in best.items():
        rows = frame[frame.segment == segment]
        for period, group in rows.groupby("period"):
            sent = group[group.variant != "holdout"]
            on_better = (sent.variant == arm).mean() if len(sent) else float("nan")
            held = (group.variant == "holdout").mean()
            days = f"{period * PERIOD_DAYS + 1}-{(period + 1) * PERIOD_DAYS}"
            print(
                f"{segment:<12}{arm:<16}{days:>8}{len(sent):>8}{on_better:>10.0%}{held:>12.1%} (≥{holdout_share:.0%})"
            )


def decisions(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        last = con.execute("""
            select segment, variant, allocated_share, arm_status, allocation_reason
            from journeys.experiment_allocations
            where as_of_date = (select max(as_of_date) from journeys.experiment_allocations)
            order by segment, variant""").df()
    print("\nlast allocation decisions")
    for row in last.itertuples():
        print(f"  {row.segment:<10}{row.variant:<15}{row.allocated_share:>6.0%}  {row.allocation_reason}")


def run_loop(home: Path, days: int, customers: int, seed: int) -> None:
    """The closed loop's Relance policy alone (the static one has no experiment) on a new world."""
    from benchmarks import closed_loop
    from erp.simulator import SimulationConfig, World

    end = date(2026, 3, 31)
    config = SimulationConfig(end=end, customers=customers, months=12, seed=seed, future_days=days + 60)
    World.create(home / "simulator", config)
    for setting in closed_loop.USER_SETTINGS:
        os.environ.pop(setting, None)
    os.environ["RELANCE_HOME"] = str(home)
    figures = closed_loop.run_policy(home, "models", end + timedelta(days=1), days)
    print(
        f"closed loop: {days} days, {customers} customers, seed {seed}; mean days due → paid "
        f"{figures['mean_days_due_to_paid']:.1f}, reminders {figures['reminders']:,}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    home = args.workdir.resolve() / "relance"
    if not (home / "warehouse.duckdb").exists():
        run_loop(home, args.days, args.customers, args.seed)
    from journeys import catalog

    experiment = next(e for e in catalog.load_experiments() if e.adaptive)
    report(exposures(home / "warehouse.duckdb"), true_effects(home / "simulator"), experiment.holdout_share)
    decisions(home / "warehouse.duckdb")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
