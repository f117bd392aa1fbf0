"""The uplift learner (ml.uplift) on real randomised data: Kevin Hillstrom's e-mail experiment
(64,000 customers, a third each sent the men's e-mail, the women's, or none).

    python benchmarks/hillstrom.py

Per arm and outcome (visit, conversion): Qini coefficient and uplift at 30 % on a 70/30 split
stratified on arm × outcome (as in ../shared/notes/published-results.md §7), and whether the
personalised policy (each customer the arm of highest predicted uplift, none when both are
negative) beats the best single arm, by inverse-propensity value with a 95 % interval.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CSV = ROOT.parent / "shared" / "datasets" / "hillstrom" / "hillstrom.csv"
ARMS = {"No E-Mail": "none", "Mens E-Mail": "mens", "Womens E-Mail": "womens"}
PUBLISHED = (
    "women's visit: Qini 0.089–0.100, uplift@30 % 0.069–0.097; men's visit: Qini ≈ 0; best-arm policy "
    "value 0.182–0.186 vs 0.1827 for everyone the men's e-mail (visit), 0.0116–0.0127 vs 0.0125 (conversion)"
)


def features(frame: pd.DataFrame) -> pd.DataFrame:
    x = frame[["recency", "history", "mens", "womens", "newbie"]].astype(float)
    return x.join(pd.get_dummies(frame[["zip_code", "channel"]], dtype=float))


def evaluate(path: Path = CSV, seed: int = 42) -> dict[str, dict[str, float]]:
    """Outcome -> figures (qini_<arm>, uplift_at30_<arm>, policy values and the difference of the
    personalised policy against the best single arm with its interval)."""
    from sklearn.model_selection import train_test_split

    from ml.uplift import evaluation as ev
    from ml.uplift.learner import effects
    from ml.uplift.spec import ensemble

    frame = pd.read_csv(path)
    arm = frame.segment.map(ARMS)
    X = features(frame)
    results = {}
    for outcome in ("visit", "conversion"):
        y = frame[outcome]
        train, test = train_test_split(
            np.arange(len(frame)), test_size=0.3, random_state=seed, stratify=arm + y.astype(str)
        )
        model = ensemble(seed).fit(X.iloc[train], y.iloc[train], arm.iloc[train])
        _, uplift, _ = effects(model.probabilities(X.iloc[test]), "none", X.index[test])
        yt, at = y.iloc[test].to_numpy(), arm.iloc[test].to_numpy()
        figures = {}
        for a in ("womens", "mens"):
            rows = np.isin(at, [a, "none"])
            figures[f"qini_{a}"] = ev.qini_coefficient(yt[rows], at[rows] == a, uplift[a].to_numpy()[rows])
            figures[f"uplift_at30_{a}"] = ev.uplift_at_k(yt[rows], at[rows] == a, uplift[a].to_numpy()[rows])
        propensity = pd.Series(arm.iloc[train]).value_counts(normalize=True).to_dict()
        best = uplift.idxmax(axis=1).where(uplift.max(axis=1) > 0, "none").to_numpy()
        policies = {"personalised": best, **{f"everyone_{a}": np.full(len(test), a) for a in ("mens", "womens")}}
        terms = {k: ev.policy_terms(p, at, propensity, yt) for k, p in policies.items()}
        single = max(("everyone_mens", "everyone_womens"), key=lambda k: terms[k].mean())
        figures |= {f"value_{k}": float(t.mean()) for k, t in terms.items()}
        mean, lo, hi = ev.mean_interval(terms["personalised"] - terms[single], np.arange(len(test)))
        figures |= {
            "best_single_arm": single,
            "personalised_vs_single": mean,
            "personalised_vs_single_lo": lo,
            "personalised_vs_single_hi": hi,
        }
        results[outcome] = figures
    return results


def report(results: dict[str, dict]) -> None:
    print(
        "\nHillstrom e-mail experiment: T- and S-learner ensemble (ml.uplift.spec.ensemble) on a 70/30 stratified split"
    )
    print(f"  {'outcome':<11}{'arm':<8}{'Qini':>7}{'uplift@30%':>12}")
    for outcome, f in results.items():
        for a in ("womens", "mens"):
            print(f"  {outcome:<11}{a:<8}{f[f'qini_{a}']:>7.3f}{f[f'uplift_at30_{a}']:>12.3f}")
    for outcome, f in results.items():
        beats = "beats" if f["personalised_vs_single_lo"] > 0 else "does not beat"
        print(
            f"  {outcome}: personalised policy value {f['value_personalised']:.4f} vs {f['best_single_arm']} "
            f"{f['value_' + f['best_single_arm']]:.4f}: difference {f['personalised_vs_single']:+.4f} "
            f"[{f['personalised_vs_single_lo']:+.4f}, {f['personalised_vs_single_hi']:+.4f}] — {beats} "
            "the best single arm"
        )
    print(f"  published (§7): {PUBLISHED}")


if __name__ == "__main__":
    if not CSV.exists():
        raise SystemExit(f"Hillstrom data not found at {CSV} (see ../shared/datasets/hillstrom/SOURCE.md)")
    report(evaluate())
