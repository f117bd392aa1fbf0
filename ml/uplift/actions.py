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


def choose(values: pd.DataFrame, spread: pd.DataFrame | None = None, z: float = 0.0) -> tuple[pd.Series, pd.Series]:
    """The action of highest net value per row among those whose net value is confidently
    positive — more than ``z`` standard deviations (``spread``: each value's uncertainty per
    row) above zero — and that value; "none" (worth 0) when no action clears that bar. Most
    invoices' actions are worth a few cents more or less than doing nothing (the invoice is paid
    anyway), and the effect is estimated with an error of several units: without the bar, an
    action's estimation noise decides, and every invoice gets something."""
    lower = values if spread is None else values - z * spread[values.columns]
    eligible = (lower > 0).to_numpy()
    masked = np.where(eligible, values.to_numpy(float), -np.inf)
    best = np.asarray(values.columns, dtype=object)[masked.argmax(axis=1)] if values.shape[1] else []
    confident = eligible.any(axis=1)
    value = np.where(confident, masked.max(axis=1, initial=-np.inf), 0.0)
    return (
        pd.Series(np.where(confident, best, NO_ACTION), index=values.index, dtype=object),
        pd.Series(value, index=values.index),
    )


def reasons(
    choice: pd.Series, value: pd.Series, uplift: pd.DataFrame, spread: pd.DataFrame, actions: dict[str, dict]
) -> pd.Series:
    """One line per row for people: what is recommended, its effect with its uncertainty, and why."""
    lines = []
    for i, action in choice.items():
        if action == NO_ACTION:
            top = uplift.loc[i].idxmax()
            lines.append(
                f"no action pays for itself with confidence (best: {LABELS[top]}, {uplift.at[i, top]:+.1%} "
                f"±{spread.at[i, top]:.1%} P(paid in 14 d), not clearly worth its cost)"
            )
            continue
        why = " (call effect assumed, not yet measured)" if "assumed_extra_uplift" in actions[action] else ""
        lines.append(
            f"{LABELS[action]}: {uplift.at[i, action]:+.1%} ±{spread.at[i, action]:.1%} P(paid in 14 d), "
            f"expected net {value[i]:,.0f}{why}"
        )
    return pd.Series(lines, index=choice.index, dtype=object)
