"""Inbound triage: each customer e-mail's category (and a second request when it makes two), its
language, the promise it states, its tone and how soon a person should read it.

An ml.spec.ModelSpec, like ml.payment_delay. Observations are the messages the ERP labelled
(marts.fct_inbound_messages), observed when received; the split is time-ordered, so the test
window holds messages received after every training message. Only the category is learnt
(ml.inbound.classifier); language, promise, tone and priority are rules applied by the same
fitted model's ``predict``, so daily scoring, the training run's test and the CLI over a mailbox
export (``python -m ml.inbound``) all give one answer for one message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.metrics import f1_score

from erp.contract import INBOUND_CATEGORIES
from ml.inbound.classifier import SentenceEncoder, TextClassifier, keyword_baseline, message_text
from ml.inbound.extract import NO_PROMISE, extract_promise
from ml.inbound.language import detect_language
from ml.inbound.priority import priority
from ml.inbound.sentiment import sentiment
from ml.inbound.text import clean_body
from ml.spec import Output, TrainingSet, Window

MODEL_NAME = "inbound_triage"
EXPERIMENT = "relance-inbound-triage"
TEST_DAYS = 120
SCORING_DAYS = 7  # a message is re-triaged daily (balance and risk move) for a week after it arrives
PARAMS = {"backend": "tfidf", "C": 5.0, "seed_share": 0.5}
FEATURES = ["subject", "body", "received_at", "open_balance", "risk_score"]
OUTPUTS = [
    "category",
    "secondary_category",
    "confidence",
    "language",
    "language_mixed",
    "promise_date",
    "promise_amount",
    "sentiment",
    "priority",
    "reason",
]
PROMISE_CATEGORIES = {"promise_to_pay"}


def texts(X: pd.DataFrame) -> list[str]:
    """What the classifier reads of each message: its subject and its cleaned body."""
    return [message_text(s, clean_body(b)) for s, b in zip(X.subject, X.body, strict=True)]


class TriageModel(BaseEstimator):
    """The fitted triage: ``predict(X)`` (X: FEATURES) returns one row of OUTPUTS per message."""

    def __init__(self, classifier: TextClassifier | None = None):
        self.classifier = classifier

    def fit(self, X: pd.DataFrame, y: pd.Series):
        self.classifier_ = clone(self.classifier or TextClassifier()).fit(texts(X), y)
        return self

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        cleaned = [clean_body(b) for b in X.body]
        ranked = self.classifier_.rank([message_text(s, c) for s, c in zip(X.subject, cleaned, strict=True)])
        rows = [
            read_message(text, *args)
            for text, *args in zip(
                cleaned,
                ranked.category,
                ranked.secondary_category,
                ranked.confidence,
                X.received_at,
                X.open_balance,
                X.risk_score,
                strict=True,
            )
        ]
        out = pd.DataFrame(rows, index=X.index, columns=OUTPUTS)
        # typed even when a whole batch has no secondary request or promise (the ml table is typed from it)
        return out.astype(
            {
                "secondary_category": "string",
                "promise_date": "datetime64[ns]",
                "promise_amount": float,
                "confidence": float,
            }
        )


def read_message(
    cleaned: str, category: str, secondary: str | None, confidence: float, received_at, open_balance: float, risk: float
) -> dict:
    """The rule-based readings of one classified message (language, promise, tone, priority)."""
    language = detect_language(cleaned)
    promise = NO_PROMISE
    if {category, secondary} & PROMISE_CATEGORIES and pd.notna(received_at):
        promise = extract_promise(cleaned, pd.Timestamp(received_at).date())
    tone = sentiment(cleaned)
    score, reason = priority(category, float(open_balance), float(risk), tone)
    reason += f"; classified {category} at {confidence:.0%}" + (f", also {secondary}" if secondary else "")
    return {
        "category": category,
        "secondary_category": secondary,
        "confidence": confidence,
        "language": language.language,
        "language_mixed": language.mixed,
        "promise_date": pd.Timestamp(promise.promise_date) if promise.promise_date else pd.NaT,
        "promise_amount": float(promise.amount) if promise.amount is not None else np.nan,
        "sentiment": tone,
        "priority": score,
        "reason": reason,
    }


def majority_baseline(train_y: pd.Series, n: int) -> np.ndarray:
    return np.full(n, train_y.mode().iloc[0])


def classification_report(y_true, y_pred, prefix: str = "") -> dict[str, float]:
    """Macro-F1 over the categories present in the test window or predicted, accuracy, F1 per category."""
    y_true, y_pred = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    labels = [c for c in INBOUND_CATEGORIES if c in set(y_true)]
    per_class = f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    return {
        f"{prefix}macro_f1": float(np.mean(per_class)),
        f"{prefix}accuracy": float(np.mean(y_true == y_pred)),
        **{f"{prefix}f1_{label}": float(f) for label, f in zip(labels, per_class, strict=True)},
    }


def customer_features(data: dict, rows: pd.DataFrame) -> pd.DataFrame:
    """Each row's customer open balance (fct_invoices, now) and risk score (dim_customer_360)."""
    inv = data["invoices"]
    balance = inv[inv.open_amount > 0].groupby("customer_id").open_amount.sum()
    risk = data["customer_risk"].set_index("customer_id").risk_score
    return pd.DataFrame(
        {
            "open_balance": rows.customer_id.map(balance).fillna(0.0).where(rows.customer_id.notna()),
            "risk_score": rows.customer_id.map(risk),
        },
        index=rows.index,
    ).astype(float)


@dataclass(frozen=True)
class InboundTriage:
    """The inbound triage model as an ml.spec.ModelSpec."""

    name: ClassVar[str] = MODEL_NAME
    experiment: ClassVar[str] = EXPERIMENT
    description: ClassVar[str] = (
        "Inbound triage: category (and a second request) of each customer e-mail in French or English, with "
        "language, stated promise to pay, tone and a priority for the collectors."
    )
    params: ClassVar[dict] = PARAMS
    window: ClassVar[Window] = Window(TEST_DAYS, 0)  # the ERP's label is known when the message is
    feature_set: ClassVar[str] = "inbound_message"
    output: ClassVar[Output] = Output("inbound_triage", ("inbound_id",))
    score_columns: ClassVar[dict[str, str]] = {c: c for c in OUTPUTS}
    trusted_types: ClassVar[tuple[type, ...]] = (TriageModel, TextClassifier, SentenceEncoder)

    def observations(self, data: dict, known_until: pd.Timestamp) -> pd.DataFrame:
        msgs = data["inbound"]
        rows = msgs[msgs.category.notna() & (msgs.received_at < known_until)]
        return rows.assign(as_of=rows.received_at, label=rows.category, label_known_at=rows.received_at)

    def features(self, data: dict, rows: pd.DataFrame) -> pd.DataFrame:
        text = rows[["subject", "body"]].astype(object).where(rows[["subject", "body"]].notna(), "")
        return pd.concat([text, rows[["received_at"]], customer_features(data, rows)], axis=1)[FEATURES]

    def fit(self, train: TrainingSet) -> TriageModel:
        return TriageModel(TextClassifier(**PARAMS)).fit(train.X, train.y)

    def evaluate(self, model, train: TrainingSet, test: TrainingSet) -> dict[str, float]:
        predicted = model.predict(test.X).category
        return (
            classification_report(test.y, predicted)
            | classification_report(test.y, keyword_baseline(texts(test.X)), "baseline_keywords_")
            | classification_report(test.y, majority_baseline(train.y, len(test)), "baseline_majority_")
        )

    def diagnostics(self, model, test: TrainingSet, folder: Path) -> tuple[list[Path], dict[str, float]]:
        predicted = model.predict(test.X).category
        confusion = pd.crosstab(
            pd.Series(test.y.to_numpy(), name="label"), pd.Series(predicted.to_numpy(), name="predicted")
        )
        path = folder / "confusion.csv"
        confusion.to_csv(path)
        return [path], {"test_other_share": float(np.mean(predicted == "other"))}

    def scoring_rows(self, data: dict, as_of: pd.Timestamp) -> pd.DataFrame:
        """Messages received in the SCORING_DAYS up to the end of the as-of day."""
        msgs = data["inbound"]
        end = as_of + pd.Timedelta(days=1)
        rows = msgs[(msgs.received_at < end) & (msgs.received_at >= end - pd.Timedelta(days=SCORING_DAYS))].copy()
        rows["as_of"] = end
        return rows


SPEC = InboundTriage()
