"""Uplift diagnostics as PNG files (MLflow artifacts): Qini curves and observed vs predicted
uplift by decile, per action against no action, on the randomised test rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ml.plots import _save, plt
from ml.uplift import evaluation as ev
from ml.uplift.actions import NO_ACTION


def qini_and_deciles(y: pd.Series, arm: pd.Series, uplift: pd.DataFrame, folder: Path) -> list[Path]:
    fig_q, ax_q = plt.subplots(figsize=(6, 5))
    fig_d, axes = plt.subplots(1, len(uplift.columns), figsize=(3.2 * len(uplift.columns), 3.5), squeeze=False)
    for action, ax_d in zip(uplift.columns, axes[0], strict=True):
        rows = arm.isin([action, NO_ACTION]).to_numpy()
        t, score, yy = (arm[rows] == action).to_numpy(), uplift[action][rows].to_numpy(), y[rows].to_numpy()
        x, curve = ev.qini_curve(yy, t, score)
        ax_q.plot(x / max(x[-1], 1), curve, label=f"{action} (Qini {ev.qini_coefficient(yy, t, score):.3f})")
        deciles = ev.uplift_by_decile(yy, t, score)
        ax_d.bar(deciles.decile - 0.2, deciles.observed, width=0.4, label="observed")
        ax_d.bar(deciles.decile + 0.2, deciles.predicted, width=0.4, label="predicted")
        ax_d.set(title=action, xlabel="decile (1: highest predicted)", xticks=np.arange(1, 11))
    ax_q.plot([0, 1], [0, 0], "--", color="grey")
    ax_q.set(xlabel="share targeted", ylabel="incremental payments", title="Qini curves vs no action (test window)")
    ax_q.legend(fontsize=7)
    axes[0][0].set(ylabel="uplift in P(paid in 14 d)")
    axes[0][0].legend(fontsize=7)
    return [_save(fig_q, folder / "qini_curves.png"), _save(fig_d, folder / "uplift_by_decile.png")]
