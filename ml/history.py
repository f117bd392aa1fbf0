"""Point-in-time features: what was known about an invoice and its customer at an instant t.

Every customer-history feature is computed from invoices *settled strictly before* t (merge_asof
on the settlement date), so a model never sees the future of the row it predicts. The same code
builds training rows (t in the past) and scoring rows (t = the as-of date).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

LABEL_CAP_DAYS = 90  # "at least 90 days late" (includes never paid): known 90 days after the due date
HISTORY_FEATURES = [
    "hist_invoices",
    "hist_mean_late",
    "hist_weighted_late",
    "hist_std_late",
    "hist_late_share",
    "hist_late30_share",
    "hist_last_late",
    "hist_recent_late",
    "hist_trend",
    "hist_max_late",
    "days_since_last_settlement",
    "hist_self_cure_share",
    "amount_vs_usual",
]
INVOICE_FEATURES = [
    "log_amount",
    "terms_days",
    "days_to_due",
    "invoice_age",
    "issue_month",
    "paid_share",
    "in_dispute",
    "disputes_before",
    "has_promise",
    "reminders_before",
    "open_rate_before",
]
FEATURES = INVOICE_FEATURES + HISTORY_FEATURES


def settled_history(invoices: pd.DataFrame) -> pd.DataFrame:
    """Cumulative payment behaviour of each customer after each of its settlements."""
    s = invoices[invoices.settled_on.notna() & invoices.days_late.notna()].sort_values(["settled_on", "invoice_id"])
    s = s[["customer_id", "settled_on", "days_late", "amount"]].copy()
    late = s.days_late.clip(upper=LABEL_CAP_DAYS)
    g = s.assign(
        late=late,
        late_sq=late**2,
        wlate=late * s.amount,
        is_late=(late > 0).astype(float),
        is_late30=(late > 30).astype(float),
        self_cure=((late > 0) & (late <= 14)).astype(float),
        overdue=(late > 0).astype(float),
    ).groupby("customer_id")
    out = pd.DataFrame(
        {
            "customer_id": s.customer_id,
            "settled_on": s.settled_on,
            "hist_invoices": g.cumcount() + 1,
            "sum_late": g.late.cumsum(),
            "sum_sq": g.late_sq.cumsum(),
            "sum_w": g.wlate.cumsum(),
            "sum_amount": g.amount.cumsum(),
            "n_late": g.is_late.cumsum(),
            "n_late30": g.is_late30.cumsum(),
            "n_self_cure": g.self_cure.cumsum(),
            "n_overdue": g.overdue.cumsum(),
            "hist_last_late": late,
            "hist_max_late": g.late.cummax(),
            # exponentially weighted: recent settlements count most (catches drifting customers)
            "hist_recent_late": s.assign(late=late)
            .groupby("customer_id")
            .late.ewm(alpha=0.3)
            .mean()
            .reset_index(level=0, drop=True),
        }
    )
    # the state at the end of each settlement day: several settlements on one day count together
    out = out.drop_duplicates(["customer_id", "settled_on"], keep="last")
    return out.sort_values("settled_on", kind="stable")


def _single_instant(rows: pd.DataFrame) -> pd.Timestamp | None:
    """Scoring observes every row at the same instant: a plain filter and lookup then replaces
    the as-of join, which is what makes scoring millions of invoices a minute possible."""
    return rows.as_of.iloc[0] if len(rows) and (rows.as_of == rows.as_of.iloc[0]).all() else None


def customer_history_at(rows: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Attach to each row (customer_id, as_of) its customer's history strictly before as_of."""
    instant = _single_instant(rows)
    if instant is not None:
        latest = history[history.settled_on < instant].groupby("customer_id").tail(1).set_index("customer_id")
        merged = latest.reindex(rows.customer_id.to_numpy()).set_index(rows.index).assign(as_of=rows.as_of)
    else:
        left = rows[["customer_id", "as_of"]].reset_index().sort_values("as_of")
        merged = (
            pd.merge_asof(
                left,
                history,
                left_on="as_of",
                right_on="settled_on",
                by="customer_id",
                allow_exact_matches=False,
                direction="backward",
            )
            .set_index("index")
            .rename_axis(rows.index.name)
            .sort_index()
        )
    n = merged.hist_invoices
    mean = merged.sum_late / n
    out = pd.DataFrame(index=merged.index)
    out["hist_invoices"] = n.fillna(0)
    out["hist_mean_late"] = mean
    out["hist_weighted_late"] = merged.sum_w / merged.sum_amount
    out["hist_std_late"] = np.sqrt(np.maximum(merged.sum_sq / n - mean**2, 0))
    out["hist_late_share"] = merged.n_late / n
    out["hist_late30_share"] = merged.n_late30 / n
    out["hist_self_cure_share"] = merged.n_self_cure / merged.n_overdue.replace(0, np.nan)
    out["hist_last_late"] = merged.hist_last_late
    out["hist_recent_late"] = merged.hist_recent_late
    out["hist_trend"] = merged.hist_recent_late - mean
    out["hist_max_late"] = merged.hist_max_late
    out["days_since_last_settlement"] = (merged.as_of - merged.settled_on).dt.days
    out["usual_amount"] = merged.sum_amount / n
    return out


def events_before(
    rows: pd.DataFrame, events: pd.DataFrame, key: str, time_col: str, name: str, value: str | None = None
) -> pd.Series:
    """Count (or sum ``value``) of ``events`` per ``key`` strictly before each row's as_of."""
    if events.empty:
        return pd.Series(0.0, index=rows.index, name=name)
    instant = _single_instant(rows)
    if instant is not None:
        before = events[events[time_col] < instant]
        totals = before.groupby(key)[value].sum() if value else before.groupby(key).size()
        return pd.Series(
            totals.reindex(rows[key].to_numpy()).fillna(0.0).to_numpy(dtype=float), index=rows.index, name=name
        )
    e = events[[key, time_col] + ([value] if value else [])].dropna(subset=[key, time_col]).sort_values(time_col)
    e = e.assign(_n=1.0 if value is None else e[value].astype(float))
    e["_cum"] = e.groupby(key)._n.cumsum()
    left = rows[[key, "as_of"]].reset_index().sort_values("as_of")
    merged = (
        pd.merge_asof(
            left,
            e[[key, time_col, "_cum"]],
            left_on="as_of",
            right_on=time_col,
            by=key,
            allow_exact_matches=False,
            direction="backward",
        )
        .set_index("index")
        .rename_axis(rows.index.name)
        .sort_index()
    )
    return merged._cum.fillna(0.0).rename(name)


def build_features(rows: pd.DataFrame, data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Features of each row (an invoice observed at ``as_of``) from the warehouse tables in
    ``data``: invoices, payments, disputes, promises, contacts, opens (see ml.data). Every
    event counts from its own time: a payment at its date, an open when it happened."""
    inv, history = data["invoices"], data["history"]
    x = pd.DataFrame(index=rows.index)
    x["log_amount"] = np.log1p(rows.amount.astype(float))
    x["terms_days"] = (rows.due_date - rows.issue_date).dt.days
    x["days_to_due"] = (rows.due_date - rows.as_of).dt.days
    x["invoice_age"] = (rows.as_of - rows.issue_date).dt.days
    x["issue_month"] = rows.issue_date.dt.month
    paid = events_before(rows, data["payments"], "invoice_id", "payment_date", "paid", value="amount")
    x["paid_share"] = paid / rows.amount.astype(float)
    d = data["disputes"]
    opened = events_before(rows, d, "invoice_id", "opened_on", "opened")
    resolved = events_before(rows, d.dropna(subset=["resolved_on"]), "invoice_id", "resolved_on", "resolved")
    x["in_dispute"] = (opened > resolved).astype(float)
    x["disputes_before"] = events_before(
        rows, d.merge(inv[["invoice_id", "customer_id"]], on="invoice_id"), "customer_id", "opened_on", "disputes"
    )
    p = data["promises"]
    made = events_before(rows, p, "invoice_id", "promised_on", "made")
    expired = events_before(rows, p, "invoice_id", "promised_for", "expired")
    x["has_promise"] = (made > expired).astype(float)
    c = data["contacts"]
    x["reminders_before"] = events_before(rows, c, "invoice_id", "sent_at", "reminders")
    sent = events_before(rows, c, "customer_id", "sent_at", "sent")
    opened_mail = events_before(rows, data["opens"], "customer_id", "opened_at", "opened")
    x["open_rate_before"] = (opened_mail / sent).where(sent > 0)
    h = customer_history_at(rows, history)
    for col in HISTORY_FEATURES:
        if col != "amount_vs_usual":
            x[col] = h[col]
    x["amount_vs_usual"] = rows.amount.astype(float) / h.usual_amount
    return x[FEATURES].astype(float)


def label_days_late(invoices: pd.DataFrame, known_on: pd.Timestamp) -> pd.Series:
    """Days late at settlement, capped at LABEL_CAP_DAYS, as known at the start of ``known_on``
    (a settlement that day is not known yet, as for features); NaN when not yet known (open and
    less than the cap past due) or settled by a dispute credit rather than a payment."""
    known = invoices.settled_on < known_on
    late = invoices.days_late.where(known).clip(upper=LABEL_CAP_DAYS)
    overdue_enough = invoices.due_date <= known_on - pd.Timedelta(days=LABEL_CAP_DAYS)
    late = late.where(late.notna() | ~overdue_enough, float(LABEL_CAP_DAYS))
    return late.where(~(invoices.credited_by_dispute & known))


class FillEmptyColumns(TransformerMixin, BaseEstimator):
    """Gradient boosting handles missing values, but not a feature missing in every training row
    (a source the ERP does not export, e.g. no e-mail history): such columns become constant 0."""

    def fit(self, X: pd.DataFrame, y=None):
        self.empty_columns_ = [c for c in X.columns if X[c].isna().all()]
        self.feature_names_in_ = np.asarray(X.columns)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return X[self.feature_names_in_].fillna({c: 0.0 for c in self.empty_columns_})
