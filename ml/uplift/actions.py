"""The actions and their costs (ml/config/actions.yaml), and the choice of the next best action:
the one with the highest expected net value — uplift × amount due minus its cost — or "none"
when no action pays for itself.

Costs live in configuration, not code, because they are business judgements (what a discount
or a collector's hour is worth) that finance changes without retraining the uplift model's
effects; the fitted model keeps the costs it was trained with so a score is reproducible.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

CONFIG = Path(__file__).resolve().parents[1] / "config" / "actions.yaml"
NO_ACTION = "none"
REMINDER = "reminder"
CALL = "collector_call"
LABELS = {
    "reminder": "plain reminder",
    "early_pay_discount": "early-pay discount",
    "late_fee_warning": "late-fee warning",
    "payment_plan": "payment plan",
    "card_payment_link": "card payment link",
    "collector_call": "collector's call",
}


def load(path: Path = CONFIG) -> dict[str, dict]:
    """Action name -> {cost, cost_share, incentive, assumed_extra_uplift?} with defaults filled."""
    raw = yaml.safe_load(path.read_text())["actions"]
    assumed = {
        name: {"assumed_extra_uplift": float(a["assumed_extra_uplift"])}
        for name, a in raw.items()
        if "assumed_extra_uplift" in a
    }
    return {
        name: {
            "cost": float(a.get("cost", 0.0)),
            "cost_share": float(a.get("cost_share", 0.0)),
            "incentive": a.get("incentive", "none"),
            **assumed.get(name, {}),
        }
        for name, a in raw.items()
    }


def evidence_z(path: Path = CONFIG) -> float:
    return float(yaml.safe_load(path.read_text()).get("evidence_z", 0.0))


def reward(actions: dict[str, dict], arm: pd.Series, y: pd.Series, amount: pd.Series) -> np.ndarray:
    """The logged net value of each row: the amount if paid within the window, minus the cost of
    the arm it got (a discount's share only when the invoice was paid under it)."""
    amount, y = np.asarray(amount, float), np.asarray(y, float)
    cost_paid = np.zeros(len(amount))
    for name in set(arm) - {NO_ACTION}:
        mine = np.asarray(arm) == name
        cost_paid[mine] = cost(actions, name, amount[mine], y[mine])
    return y * amount - cost_paid


def single_best(actions: dict[str, dict], arm: pd.Series, y: pd.Series, amount: pd.Series) -> str:
    """The arm of highest mean logged net value on randomised rows: the action to give everyone."""
    rewards = pd.Series(reward(actions, arm, y, amount))
    return str(rewards.groupby(np.asarray(arm)).mean().idxmax())


def cost(actions: dict[str, dict], action: str, amount: np.ndarray, p_paid: np.ndarray) -> np.ndarray:
    """Expected cost of taking ``action``: its fixed cost plus its share of the amount given away
    on the invoices paid under it."""
    a = actions[action]
    return a["cost"] + a["cost_share"] * np.asarray(amount, float) * np.asarray(p_paid, float)


def net_values(
    actions: dict[str, dict], uplift: pd.DataFrame, p_paid: pd.DataFrame, amount: np.ndarray
) -> pd.DataFrame:
    """Expected net value of each action per row (columns: action names)."""
    amount = np.asarray(amount, float)
    return pd.DataFrame(
        {a: uplift[a].to_numpy() * amount - cost(actions, a, amount, p_paid[a].to_numpy()) for a in uplift.columns},
        index=uplift.index,
    )


def arm_rewards(
    actions: dict[str, dict], p: pd.DataFrame, uplift: pd.DataFrame, amount: np.ndarray, arms: list[str]
) -> pd.DataFrame:
    """Each arm's expected net value per row, "none" included (the amount × P(paid anyway))."""
    treated = [a for a in arms if a != NO_ACTION]
    base = p[NO_ACTION].to_numpy() * np.asarray(amount, float)
    return net_values(actions, uplift[treated], p[treated], amount).add(base, axis=0).assign(**{NO_ACTION: base})[arms]


def _at(frame: pd.DataFrame, names: pd.Series) -> np.ndarray:
    return frame.to_numpy()[np.arange(len(frame)), frame.columns.get_indexer(names)]


def choose(
    values: pd.DataFrame, default: str | None = None, spread: pd.DataFrame | None = None, z: float = 0.0
) -> tuple[pd.Series, pd.Series]:
    """The action of highest net value per row and that value; "none" (worth 0) when no action's
    net value is positive. With a ``default`` (the best action on average), another action is
    chosen only where it beats the default by more than ``z`` standard deviations of the
    difference (``spread``: each action's value uncertainty per row)."""
    v = values.assign(**{NO_ACTION: 0.0})
    best = v.idxmax(axis=1)
    if default is not None:
        s = spread.assign(**{NO_ACTION: 0.0})
        gain = _at(v, best) - v[default].to_numpy()
        best = best.where(gain > z * np.sqrt(_at(s, best) ** 2 + s[default].to_numpy() ** 2), default)
    value = pd.Series(_at(v, best), index=values.index)
    return best.where(value > 0, NO_ACTION), value.clip(lower=0.0)


def reasons(
    choice: pd.Series,
    value: pd.Series,
    uplift: pd.DataFrame,
    spread: pd.DataFrame,
    actions: dict[str, dict],
    default: str | None = None,
) -> pd.Series:
    """One line per row for people: what is recommended, its effect with its uncertainty, and why."""
    lines = []
    for i, action in choice.items():
        if action == NO_ACTION:
            top = uplift.loc[i].idxmax()
            lines.append(
                f"no action pays for itself (best: {LABELS[top]}, {uplift.at[i, top]:+.1%} "
                "P(paid in 14 d), worth less than its cost)"
            )
            continue
        why = (
            " (call effect assumed, not yet measured)"
            if "assumed_extra_uplift" in actions[action]
            else " (best on average; nothing clearly better here)"
            if action == default
            else ""
        )
        lines.append(
            f"{LABELS[action]}: {uplift.at[i, action]:+.1%} ±{spread.at[i, action]:.1%} P(paid in 14 d), "
            f"expected net {value[i]:,.0f}{why}"
        )
    return pd.Series(lines, index=choice.index, dtype=object)
