"""Diagnostic plots saved as PNG files, logged as MLflow artifacts by the training runs."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def calibration(y, p, path: Path, title: str) -> Path:
    bins = np.linspace(0, 1, 11)
    which = np.clip(np.digitize(p, bins) - 1, 0, 9)
    frame = pd.DataFrame({"y": y, "p": p, "bin": which}).groupby("bin").mean()
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect")
    ax.plot(frame.p, frame.y, "o-", label="model")
    ax.set(xlabel="predicted probability", ylabel="observed frequency", title=title)
    ax.legend()
    return _save(fig, path)


def residuals_by_segment(residual, segment, path: Path, title: str) -> Path:
    frame = pd.DataFrame({"residual": residual, "segment": segment})
    order = sorted(frame.segment.dropna().unique())
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.boxplot([frame.residual[frame.segment == s] for s in order], showfliers=False)
    ax.set_xticks(range(1, len(order) + 1), order, rotation=20)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(ylabel="actual − predicted P50 (days)", title=title)
    return _save(fig, path)


def feature_importance(importance: pd.Series, path: Path, title: str) -> Path:
    top = importance.sort_values().tail(15)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.barh(top.index, top.values)
    ax.set(xlabel="permutation importance", title=title)
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
