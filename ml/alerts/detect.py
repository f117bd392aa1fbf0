"""One-sided CUSUM on each customer's own residuals, vectorised over customers.

A customer's events (invoices paid, e-mails sent, invoices issued) form a row of an array, oldest
first, NaN-padded on the right. The first ``BASELINE_EVENTS`` events are the customer's baseline;
every later event adds an increment to the CUSUM statistic S (S = max(0, S + increment)) and the
first event where S exceeds the threshold raises the alarm. The change is dated at the event
after S last stood at zero before the alarm (the CUSUM's own onset estimate).

Two kinds of increments, chosen by the measure:

* ``level`` (days late): the event's robust z-score against the baseline median and MAD, clipped
  at ±CLIP so that one disputed or forgotten invoice cannot raise an alarm on its own, minus the
  allowance K (half the smallest shift worth an alert, in baseline sds).
* ``rate`` (a 0/1 event: paid in parts, disputed, opened): the log-likelihood ratio of the
  event under the changed rate p1 against the customer's baseline rate p0 (Bernoulli CUSUM).

PageHinkley and CUSUM were measured in ../shared/notes/published-results.md §5 as the fast and
calibrated choices on series this short (ADWIN never fires on them); the threshold is not tuned
by hand: its shape across noise bins comes from simulating each customer's null (``calibrate``),
its level from a false-alarm budget per customer-year held on the customers' real series
(ml.alerts.model.ChangeDetector).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

BASELINE_EVENTS = 8
# z-scores beyond this count as this much: one event adds at most CLIP − ALLOWANCE = 4, below the
# calibrated threshold, so a single outlier is not a change — while a real drift of several sds
# needs two events rather than four to show (at 3, a drift waited four late invoices, months).
CLIP = 5.0
ALLOWANCE = 1.0  # K: a shift of 2 baseline sds is the smallest worth an alert
GUARD = 4  # events: the baseline takes in every event older than this, even during a run
# Only a series' latest MONITORED events are monitored, against every event before them: looked at
# every week, a series whose whole window were monitored would be re-tested against a baseline of
# its first few events at every look, and those chances of a false alarm add up over a year.
MONITORED = 24
MIN_SCALE = 1.0  # days: the sd of a very regular payer is not taken below this


@dataclass(frozen=True)
class Measure:
    """How a change type's events are scored: ``kind`` level or rate, ``direction`` +1 (rises)
    or −1 (falls); for rates the prior on p0 (Beta(a, b)) and the changed rate p1 = f(p0)."""

    kind: str
    direction: int
    prior: tuple[float, float] = (0.5, 4.5)
    shift: float = 0.5  # rates rising: p1 = min(0.95, p0 + shift); falling: p1 = p0 × fall
    fall: float = 0.25
    guard: int = GUARD  # events of a run older than this join the baseline


@dataclass(frozen=True)
class Detection:
    """Per row: index of the alarm event (−1: none), of the change's first event, the baseline
    figure (mean days late or rate) when the alarm fired, and the highest statistic reached."""

    alarm: np.ndarray
    onset: np.ndarray
    baseline: np.ndarray
    peak: np.ndarray


def _step(
    x: np.ndarray, total: np.ndarray, squares: np.ndarray, count: np.ndarray, measure: Measure
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's increment for its event ``x`` against the baseline sums, and the baseline figure."""
    if measure.kind == "level":
        mean = total / count
        sd = np.maximum(np.sqrt(np.maximum(squares / count - mean**2, 0.0)), MIN_SCALE)
        z = np.clip(measure.direction * (x - mean) / sd, -CLIP, CLIP)
        return z - ALLOWANCE, mean
    a, b = measure.prior
    p0 = (total + a) / (count + a + b)
    p1 = np.minimum(0.95, p0 + measure.shift) if measure.direction > 0 else p0 * measure.fall
    return np.where(x > 0.5, np.log(p1 / p0), np.log((1 - p1) / (1 - p0))), p0


def cusum(values: np.ndarray, measure: Measure, threshold: float | np.ndarray = np.inf) -> Detection:
    """Self-starting CUSUM over every row, monitoring its latest MONITORED events (all after
    the first BASELINE_EVENTS, for a short series) against every event before them. The
    baseline is every event before the current run (the events since S last stood at zero),
    and every event older than GUARD even within a run: a run that a badly estimated early
    baseline started cannot freeze that estimate, while a real change has GUARD events to
    raise the alarm before it leaks into its own baseline."""
    n, width = values.shape
    first = monitored_from(values)
    filled = np.nan_to_num(values)
    zeros = np.zeros((n, 1))
    total = np.hstack([zeros, np.cumsum(filled, axis=1)])  # total[:, j]: sum of the first j events
    squares = np.hstack([zeros, np.cumsum(filled**2, axis=1)])
    rows = np.arange(n)
    s, peak = np.zeros(n), np.zeros(n)
    run_start = first.copy()
    alarm, onset = np.full(n, -1), np.full(n, -1)
    baseline = np.full(n, np.nan)
    h = np.broadcast_to(np.asarray(threshold, dtype=float), (n,))
    for i in range(BASELINE_EVENTS, width):
        seen = ~np.isnan(values[:, i]) & (i >= first)
        start = np.minimum(run_start, i)
        j = np.maximum(start, i - measure.guard)
        inc, figure = _step(values[:, i], total[rows, j], squares[rows, j], j.astype(float), measure)
        s = np.where(seen, np.maximum(0.0, s + inc), s)
        peak = np.maximum(peak, s)
        run_start = np.where(seen & (s == 0), i + 1, run_start)
        fires = seen & (alarm < 0) & (s > h)
        alarm = np.where(fires, i, alarm)
        onset = np.where(fires, start, onset)
        baseline = np.where(fires, figure, baseline)
    return Detection(alarm, onset, baseline, peak)


def monitored_from(values: np.ndarray) -> np.ndarray:
    """Per row, the index of the first monitored event: the latest MONITORED events of a long
    series, everything after the first BASELINE_EVENTS of a short one."""
    return np.maximum(BASELINE_EVENTS, np.sum(~np.isnan(values), axis=1) - MONITORED)


def null_series(values: np.ndarray, measure: Measure, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``draws`` full-width series per row with no change: Bernoulli at the row's own rate for
    rates, the row's own values resampled for levels (the customer's own noise). Full width,
    whatever the row's length: scoring sees longer series than the training window, and a
    longer series has more chances to cross a threshold."""
    present = ~np.isnan(values)
    reps = np.repeat(np.arange(len(values)), draws)
    if measure.kind == "rate":
        out = (rng.random((len(reps), values.shape[1])) < np.nanmean(values, axis=1)[reps, None]).astype(float)
    else:
        count = present.sum(axis=1)[reps]
        picks = (rng.random((len(reps), values.shape[1])) * count[:, None]).astype(int)
        out = values[reps[:, None], picks]  # rows are left-aligned: a pick below the count is an event
    return out


RATE_BINS = np.array([0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 1.0])  # customers' own rates
TAIL_BINS = np.array([0.0, 1.3, 2.0, 3.0, np.inf])  # sd / (1.4826 MAD): 1 for a normal, more for heavy tails


def noise_bin(values: np.ndarray, measure: Measure) -> np.ndarray:
    """Which threshold a series gets, from its baseline events: rates by the baseline rate (a
    customer disputing half its invoices needs more evidence than one who never does), levels
    by how heavy the baseline's tails are (one who sometimes forgets an invoice for months needs
    more than a metronome). The change itself never moves a series to a laxer bin."""
    head = np.where(np.arange(values.shape[1])[None, :] < monitored_from(values)[:, None], values, np.nan)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if measure.kind == "rate":
            a, b = measure.prior
            key, edges = (np.nansum(head, axis=1) + a) / (np.sum(~np.isnan(head), axis=1) + a + b), RATE_BINS
        else:
            mad = 1.4826 * np.nanmedian(np.abs(head - np.nanmedian(head, axis=1)[:, None]), axis=1)
            key, edges = np.nan_to_num(np.nanstd(head, axis=1) / np.maximum(mad, MIN_SCALE)), TAIL_BINS
    return np.clip(np.searchsorted(edges, key, side="right") - 1, 0, len(edges) - 2)


def calibrate(values: np.ndarray, measure: Measure, false_alarm_rate: float, draws: int, seed: int) -> np.ndarray:
    """Per noise bin, the threshold that ``false_alarm_rate`` of the customers' simulated
    no-change series would cross. The detector runs on each simulated series exactly as on a
    real one, and each is binned by its own simulated baseline, so a baseline that looks calm
    by chance (eight events are few) is part of the null of its bin. A bin no simulated series
    falls in takes the highest threshold of the others."""
    rows = values[np.sum(~np.isnan(values), axis=1) > BASELINE_EVENTS]
    n_bins = len(TAIL_BINS if measure.kind == "level" else RATE_BINS) - 1
    thresholds = np.full(n_bins, np.nan)
    if len(rows):
        simulated = null_series(rows, measure, draws, np.random.default_rng(seed))
        peaks, bins = cusum(simulated, measure).peak, noise_bin(simulated, measure)
        for b in np.unique(bins):
            thresholds[b] = np.quantile(peaks[bins == b], 1 - false_alarm_rate)
    fallback = np.nanmax(thresholds) if np.isfinite(thresholds).any() else np.inf
    return np.where(np.isnan(thresholds), fallback, thresholds)
