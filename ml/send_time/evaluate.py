"""How the send-time model is judged on the held-out window.

- Calibration of P(act within 24 h) and of P(open) at the hour each held-out e-mail was really
  sent: log-loss and Brier against two named baselines — ``global_hour`` (the training window's
  rate at that hour, nobody's own history) and ``contact_rate`` (the contact's own past rate,
  lightly smoothed, whatever the hour).
- The value of the chosen hour: since the history sent at random hours, the held-out e-mails
  that happened to go out at the hour a policy would choose are a fair sample of what that
  policy gets (inverse-propensity weighted by how often each hour was drawn). Compared for the
  model's hour and three named policies: ``most_frequent_open_hour`` (what the planner used
  before), ``global_best_hour`` and ``default_hour``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, log_loss

from ml.send_time.features import READ, SENT
from ml.spec import TrainingSet

CONTACT_PRIOR = 2.0  # pseudo-e-mails at the global rate behind the contact_rate baseline


def _calibration(y, p, prefix: str) -> dict[str, float]:
    y, p = np.asarray(y, dtype=float), np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return {f"{prefix}log_loss": float(log_loss(y, p, labels=[0, 1])), f"{prefix}brier": float(brier_score_loss(y, p))}


def _hour_rate(train: TrainingSet, column: str) -> pd.Series:
    rows = train.rows
    return rows.groupby("local_hour")[column].mean().reindex(range(24)).fillna(float(rows[column].mean()))


def policy_value(test: TrainingSet, hours: np.ndarray, column: str) -> float:
    """Self-normalised inverse-propensity estimate of the mean ``column`` had every held-out
    e-mail been sent at ``hours`` (propensity: the share of e-mails sent at each local hour)."""
    sent = test.rows.local_hour.to_numpy(int)
    propensity = pd.Series(sent).value_counts(normalize=True).reindex(range(24)).fillna(0).to_numpy()
    match = sent == np.asarray(hours, dtype=int)
    if not match.any():
        return float("nan")
    w = 1 / propensity[sent[match]]
    return float(np.sum(w * test.rows[column].to_numpy(float)[match]) / np.sum(w))


def baseline_hours(model, train: TrainingSet, test: TrainingSet) -> dict[str, np.ndarray]:
    window = np.asarray(model.window_hours)
    reads = test.X[READ].to_numpy(float)[:, window]
    modal = np.where(reads.sum(1) > 0, window[np.argmax(reads, axis=1)], model.default_hour)
    opens = _hour_rate(train, "opened").to_numpy()
    return {
        "most_frequent_open_hour": modal,
        "global_best_hour": np.full(len(test), window[np.argmax(opens[window])]),
        "default_hour": np.full(len(test), model.default_hour),
    }


def metrics(model, train: TrainingSet, test: TrainingSet) -> dict[str, float]:
    rows, hour = np.arange(len(test)), test.rows.local_hour.to_numpy(int)
    p_open, p_act, _, _ = model.curves(test.X)
    out = _calibration(test.y, p_act[rows, hour], "act_") | _calibration(test.rows.opened, p_open[rows, hour], "open_")
    for col, kind in (("acted", "act_"), ("opened", "open_")):
        out |= _calibration(test.rows[col], _hour_rate(train, col).to_numpy()[hour], f"baseline_global_hour_{kind}")
    n = test.X[SENT].to_numpy(float).sum(1)
    acts, opens = test.X.acted_opened + test.X.acted_unread, test.X[[f"opened_h{h:02d}" for h in range(24)]].sum(1)
    for col, kind, k in (("acted", "act_", acts), ("opened", "open_", opens)):
        rate = (k.to_numpy() + CONTACT_PRIOR * train.rows[col].mean()) / (n + CONTACT_PRIOR)
        out |= _calibration(test.rows[col], rate, f"baseline_contact_rate_{kind}")
    chosen = model.predict(test.X).best_hour_local.to_numpy()
    for col, kind in (("opened", "open"), ("acted", "act")):
        out[f"chosen_hour_{kind}_value"] = policy_value(test, chosen, col)
        for name, hours in baseline_hours(model, train, test).items():
            out[f"baseline_{name}_chosen_hour_{kind}_value"] = policy_value(test, hours, col)
    return out


def act_given_open_by_hour(rows: pd.DataFrame, min_opens: int = 100) -> pd.Series:
    """P(act | opened) per local send hour: flat if the hour works only through the open."""
    opened = rows[rows.opened > 0]
    g = opened.groupby("local_hour").acted.agg(["mean", "size"])
    return g.loc[g["size"] >= min_opens, "mean"]


def diagnostics(model, test: TrainingSet, folder: Path) -> tuple[list[Path], dict[str, float]]:
    from ml.plots import _save, plt  # matplotlib: only where plots are drawn

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(range(24), model.global_curve_, "k-", lw=2, label="global")
    for key, curve in zip(model.segment_keys_, model.segment_curves_, strict=True):
        ax.plot(range(24), curve, lw=0.8, label=f"UTC{key:+g}")
    ax.axvspan(min(model.window_hours), max(model.window_hours) + 1, color="grey", alpha=0.1, label="send window")
    ax.set(xlabel="local send hour", ylabel="P(real open)", title="Open rate by send hour: global and segments")
    ax.legend(fontsize=6, ncol=2)
    path = _save(fig, folder / "hour_curves.png")
    by_hour = act_given_open_by_hour(test.rows)
    figures = {
        "segment_kappa": model.segment_kappa_,
        "level_kappa": model.level_kappa_,
        "shape_kappa": model.shape_kappa_,
        "act_kappa": model.act_kappa_,
        "act_given_open_hour_spread": float(by_hour.max() - by_hour.min()) if len(by_hour) else float("nan"),
    }
    return [path], figures
