"""Payment delay on the open book, by days overdue: MAE of P50, P10–P90 coverage and the share of
impossible predictions (a quantile below the days already elapsed), before and after
conditioning on survival to today (ml.survival), against the customer-history baseline.

The rows are what daily scoring faces: every invoice open on each week of the time-ordered
held-out window, observed that day, labelled once its outcome is known whatever it is."""

from __future__ import annotations

BUCKETS = [(-10_000, -1, "not yet due"), (0, 30, "0–30"), (31, 60, "31–60"), (61, 90, "61–90"), (91, 10_000, "90+")]


def book_rows(data, split, as_of, every: int = 7):
    """The open book on every ``every``-th day of the test window, with its known outcome."""
    import pandas as pd

    from ml.history import LABEL_CAP_DAYS, label_days_late

    inv = data["invoices"]
    label = label_days_late(inv, as_of)
    known = inv.due_date + pd.Timedelta(days=LABEL_CAP_DAYS) <= as_of
    frames = []
    for day in pd.date_range(split.cutoff, split.end, freq=f"{every}D"):
        at = day + pd.Timedelta(days=1)  # observed after the day's events, as scoring does
        open_then = (inv.issue_date <= day) & ~(inv.settled_on < at) & known & label.notna()
        rows = inv[open_then].assign(as_of=at, label=label[open_then], overdue=(day - inv.due_date[open_then]).dt.days)
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)


def _figures(pred, y, overdue, mask):
    """MAE, coverage and the share of rows with a quantile below the days elapsed (or below the
    cap, for an invoice past it: the label is "at least the cap")."""
    import numpy as np

    from ml.history import LABEL_CAP_DAYS

    p10, p50, p90 = (pred[c].to_numpy()[mask] for c in ("p10", "p50", "p90"))
    y = y[mask]
    impossible = np.minimum(np.minimum(p10, p50), p90) < np.minimum(overdue[mask], LABEL_CAP_DAYS)
    return np.mean(np.abs(y - p50)), np.mean((y >= p10) & (y <= p90)), np.mean(impossible)


def bucket_report(model, data, train, split, as_of) -> None:
    """Print the figures per days-overdue bucket for the raw model (before), the conditioned one
    (after) and the customer-history baseline (what a collector would guess)."""
    from ml import payment_delay

    rows = book_rows(data, split, as_of)
    X = payment_delay.SPEC.features(data, rows)
    known = train.y.notna()
    predictions = {
        "before (unconditioned)": model.unconditional(X),
        "after (given survival)": model.predict(X),
        "customer-history baseline": payment_delay.baselines(train.X[known], train.y[known], X)["customer_history"],
    }
    y, overdue = rows.label.to_numpy(float), rows.overdue.to_numpy(float)
    print(
        f"  open book by days overdue, {len(rows):,} invoice-days ({split.cutoff.date()} … {split.end.date()}, "
        "weekly): MAE of P50 / P10–P90 coverage / share with a quantile below the days elapsed"
    )
    print(f"  {'':<27}" + "".join(f"{name:>22}" for *_, name in BUCKETS) + f"{'all':>22}")
    for label, pred in predictions.items():
        cells = []
        for lo, hi, _ in [*BUCKETS, (-10_000, 10_000, "all")]:
            mask = (overdue >= lo) & (overdue <= hi)
            if not mask.any():
                cells.append(f"{'—':>22}")
                continue
            mae, cover, bad = _figures(pred, y, overdue, mask)
            cells.append(f"{mae:>8.1f} {cover:>6.0%} {bad:>5.0%}")
        print(f"  {label:<27}" + "".join(cells))
    counts = [int(((overdue >= lo) & (overdue <= hi)).sum()) for lo, hi, _ in BUCKETS]
    print(f"  {'invoice-days':<27}" + "".join(f"{n:>22,}" for n in counts) + f"{len(rows):>22,}")
