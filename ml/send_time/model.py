"""The fitted send-time model: global and segment hour curves, weekday factors and the prior
strengths learnt from the logged history; per contact, its curve from its own counts (the
features) at predict time, so a contact's curve moves with each new e-mail without retraining.

The objective is P(act within 24 h | sent at local hour h) — a payment or a reply, what the
dunning is for. Acts are rare (a few per contact), far too few to learn an hour curve each, but
they follow a read: P(act | h) = P(open | h)·P(act | opened) + (1 − P(open | h))·P(act | unread).
The hour moves the open; what a read leads to does not depend on when it was sent (the
evaluation checks this on the log). So the hour curve is learnt on opens, the plentiful signal,
and each contact's P(act | opened) and P(act | unread) are shrunk rates of their own.

An open also says *when* the contact reads (their first open at local hour t): with weight
``read_weight`` it counts as an e-mail sent at t and opened — people read at habitual times, and
an e-mail already waiting then is read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from ml.send_time import curves
from ml.send_time.features import ACT_COLUMNS, OPENED, READ, SENT, WD_OPENED, WD_SENT

MIN_HOUR_SHARE = 0.01
OUTPUTS = [
    "best_hour_local",
    "best_hour_utc",
    "best_hour_any",
    "default_hour",
    "p_open_best",
    "p_act_best",
    "p_act_default",
    "expected_lift",
    "emails",
    "opens",
    "acts",
    "shrinkage_weight",
]


class SendTimeModel(BaseEstimator):
    def __init__(
        self,
        bandwidth: float = 1.5,
        read_weight: float = 4.0,
        weekday_kappa: float = 20.0,
        window_hours: tuple[int, ...] = tuple(range(8, 18)),
        default_hour: int = 10,
    ):
        self.bandwidth = bandwidth
        self.read_weight = read_weight
        self.weekday_kappa = weekday_kappa
        self.window_hours = window_hours
        self.default_hour = default_hour

    # ------------------------------------------------------------------ fitting
    def fit(self, X: pd.DataFrame, sends: pd.DataFrame):
        """``sends``: the training e-mails (segment, local_hour, weekday, opened, read_hour, acted);
        ``X``: any feature rows (only their columns are kept, for the signature)."""
        self.feature_names_in_ = np.asarray(X.columns)
        s = sends.reset_index(drop=True)
        onehot = np.eye(24)[s.local_hour.to_numpy(int)]
        reads = np.zeros((len(s), 24))
        opened_at = s.read_hour.notna().to_numpy()
        reads[opened_at, s.read_hour[opened_at].to_numpy(int)] = 1.0
        opened = s.opened.to_numpy(float)
        n_g, o_g, r_g = onehot.sum(0), (onehot * opened[:, None]).sum(0), reads.sum(0)
        # the hours the history sent at: the only ones whose effect it identifies
        self.observed_hours_ = curves.HOURS[n_g >= MIN_HOUR_SHARE * n_g.sum()]
        self.open_rate_ = float(opened.mean())
        self.global_curve_ = self._rate(o_g, n_g, r_g, self.open_rate_)
        keys = np.sort(s.segment.unique())
        seg = s.segment.to_numpy()
        n_s = np.stack([onehot[seg == k].sum(0) for k in keys])
        o_s = np.stack([(onehot * opened[:, None])[seg == k].sum(0) for k in keys])
        r_s = np.stack([reads[seg == k].sum(0) for k in keys])
        plain = curves.pooled_rate(
            curves.smooth(o_g, self.bandwidth), curves.smooth(n_g, self.bandwidth), self.open_rate_
        )  # what e-mails alone show: the moments' reference
        self.segment_kappa_ = curves.prior_strength(o_s, n_s, plain[None, :])
        n_sm, o_sm = self._evidence(o_s, n_s, r_s)
        self.segment_keys_ = keys.astype(float)
        self.segment_rates_ = o_s.sum(1) / np.maximum(n_s.sum(1), 1)
        self.segment_curves_ = curves.shrink(o_sm, n_sm, self.global_curve_, self.segment_kappa_)
        self._fit_contacts(s, onehot, opened)
        acted = s.acted.to_numpy(float)
        self.p_act_opened_ = float(acted[opened == 1].mean()) if (opened == 1).any() else 0.0
        self.p_act_unread_ = float(acted[opened == 0].mean()) if (opened == 0).any() else 0.0
        per = s.assign(ao=acted * opened, au=acted * (1 - opened), un=1 - opened).groupby("contact_id")
        t = per[["ao", "au", "opened", "un"]].sum()
        self.act_kappa_ = curves.prior_strength(t.ao, t.opened, self.p_act_opened_)
        wd = s.groupby("weekday").opened.mean().reindex(range(7))
        self.weekday_factor_ = (wd / self.open_rate_).fillna(1.0).to_numpy()
        return self

    def _fit_contacts(self, s: pd.DataFrame, onehot: np.ndarray, opened: np.ndarray) -> None:
        """Prior strengths of a contact's level (overall open rate) and shape (rate per hour)."""
        codes, contacts = pd.factorize(s.contact_id)
        n_c = np.zeros((len(contacts), 24))
        o_c = np.zeros((len(contacts), 24))
        np.add.at(n_c, codes, onehot)
        np.add.at(o_c, codes, onehot * opened[:, None])
        segment = s.groupby(codes).segment.first().to_numpy()
        rate = self._segment_rate(segment)
        self.level_kappa_ = curves.prior_strength(o_c.sum(1), n_c.sum(1), rate)
        prior = np.clip(
            self._prior(segment, curves.shrink(o_c.sum(1), n_c.sum(1), rate, self.level_kappa_)), 1e-4, 1 - 1e-4
        )
        self.shape_kappa_ = curves.prior_strength(o_c, n_c, prior)

    def _evidence(self, opens, sends, reads):
        """Smoothed (sends, opens) with the read hours as opened pseudo-sends."""
        n = curves.smooth(sends + self.read_weight * reads, self.bandwidth)
        o = curves.smooth(opens + self.read_weight * reads, self.bandwidth)
        return n, o

    def _rate(self, opens, sends, reads, fallback: float) -> np.ndarray:
        n, o = self._evidence(opens, sends, reads)
        return curves.pooled_rate(o, n, fallback)

    def _segment_rows(self, segment) -> tuple[np.ndarray, np.ndarray]:
        """Each row's segment index, and whether training saw that segment at all."""
        segment = np.asarray(segment, dtype=float)
        where = np.clip(np.searchsorted(self.segment_keys_, segment), 0, len(self.segment_keys_) - 1)
        return where, self.segment_keys_[where] == segment

    def _segment_rate(self, segment) -> np.ndarray:
        """The segment's open rate per row (the global rate for a segment never seen)."""
        where, known = self._segment_rows(segment)
        return np.where(known, self.segment_rates_[where], self.open_rate_)

    def _prior(self, segment, level: np.ndarray) -> np.ndarray:
        """A contact's prior curve: its segment's shape (the global one for a segment never
        seen) at the contact's own shrunk open rate."""
        where, known = self._segment_rows(segment)
        curve = np.where(known[:, None], self.segment_curves_[where], self.global_curve_[None, :])
        return np.clip(curve * (level / np.maximum(self._level(curve), 1e-9))[:, None], 0, 1)

    def _level(self, curve: np.ndarray) -> np.ndarray:
        """The open rate a curve implies for e-mails sent at the history's hours."""
        return curve[:, self.observed_hours_].mean(axis=1)

    # ------------------------------------------------------------------ prediction
    def curves(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(P(open | h), P(act within 24 h | h), shrinkage weight per h): rows × 24 hours, on the
        row's send weekday; and the hour ranking, P(act | h) — or P(open | h) where the contact
        acts no more after a read than without one (then no hour changes P(act) causally, and
        maximising P(act) would pick the hour least likely to be read)."""
        n, o, r = (X[cols].to_numpy(float) for cols in (SENT, OPENED, READ))
        segment = X.segment.to_numpy()
        level = curves.shrink(o.sum(1), n.sum(1), self._segment_rate(segment), self.level_kappa_)
        prior = self._prior(segment, level)
        n_sm, o_sm = self._evidence(o, n, r)
        p_open = curves.shrink(o_sm, n_sm, prior, self.shape_kappa_)
        weight = n_sm / (n_sm + self.shape_kappa_)
        # read hours sharpen the curve's shape but are not sends: scale it back to the level the
        # e-mails alone show, so P(open) stays calibrated
        n_plain, o_plain = curves.smooth(n, self.bandwidth), curves.smooth(o, self.bandwidth)
        plain = curves.shrink(o_plain, n_plain, prior, self.shape_kappa_)
        p_open = p_open * (self._level(plain) / np.maximum(self._level(p_open), 1e-9))[:, None]
        p_open = np.clip(p_open * self._weekday(X, level)[:, None], 0, 1)
        acts = X[ACT_COLUMNS].to_numpy(float)
        opened_total, unread_total = o.sum(1), n.sum(1) - o.sum(1)
        q = curves.shrink(acts[:, 0], opened_total, self.p_act_opened_, self.act_kappa_)
        b = curves.shrink(acts[:, 1], unread_total, self.p_act_unread_, self.act_kappa_)
        p_act = p_open * q[:, None] + (1 - p_open) * b[:, None]
        return p_open, p_act, weight, np.where((q > b)[:, None], p_act, p_open)

    def _weekday(self, X: pd.DataFrame, level: np.ndarray) -> np.ndarray:
        """The contact's open-rate ratio on the send weekday, shrunk toward the global ratio
        (observed / expected opens that weekday, Gamma-Poisson style)."""
        day = X.send_weekday.to_numpy(int)
        rows = np.arange(len(X))
        sent = X[WD_SENT].to_numpy(float)[rows, day]
        opened = X[WD_OPENED].to_numpy(float)[rows, day]
        prior = self.weekday_factor_[day]
        return (opened + self.weekday_kappa * prior) / (sent * level + self.weekday_kappa)

    def best_hours(self, score: np.ndarray, hours) -> np.ndarray:
        hours = np.asarray(hours)
        return hours[np.argmax(score[:, hours], axis=1)]

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        p_open, p_act, weight, rank = self.curves(X)
        rows = np.arange(len(X))
        best = self.best_hours(rank, self.window_hours)
        n = X[SENT].to_numpy(float).sum(1)
        return pd.DataFrame(
            {
                "best_hour_local": best,
                "best_hour_utc": np.mod(best - X.utc_offset_hours.to_numpy(float), 24),
                "best_hour_any": self.best_hours(rank, self.observed_hours_),
                "default_hour": np.full(len(X), self.default_hour),
                "p_open_best": p_open[rows, best],
                "p_act_best": p_act[rows, best],
                "p_act_default": p_act[:, self.default_hour],
                "expected_lift": p_act[rows, best] - p_act[:, self.default_hour],
                "emails": n,
                "opens": X[OPENED].to_numpy(float).sum(1),
                "acts": X[ACT_COLUMNS].to_numpy(float).sum(1),
                "shrinkage_weight": weight[rows, best],
            },
            index=X.index,
        )
