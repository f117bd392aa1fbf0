"""Daily scoring with every model's champion, loaded through MLflow's pyfunc flavour so each
prediction is checked against the signature the model was logged with: a feature missing or of
another type stops scoring with a clear error instead of scoring the book with garbage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ml.data import Marts
from ml.spec import INVOICE_SCORES, ModelSpec

BOOK_COLUMNS = ["invoice_id", "customer_id", "currency_code", "due_date", "open_amount"]


class SignatureMismatch(ValueError):
    """The features handed to a model do not match the signature it was logged with."""


@dataclass(frozen=True)
class Champion:
    spec: ModelSpec
    model: object  # mlflow.pyfunc.PyFuncModel
    version: str


@dataclass(frozen=True)
class Scored:
    spec: ModelSpec
    version: str
    scores: pd.DataFrame  # the output's key columns and the model's columns of its output table
    features: pd.DataFrame  # what it was computed from (today's drift sample)


def load_champions(specs) -> dict[str, Champion | None]:
    from ml import registry

    champions = {}
    for spec in specs:
        model, version = registry.load_champion(spec.name)
        champions[spec.name] = None if model is None else Champion(spec, model, str(version))
    return champions


def predict(champion: Champion, X: pd.DataFrame) -> pd.DataFrame:
    """The champion's outputs for ``X``, enforcing its input signature."""
    from mlflow.exceptions import MlflowException

    name = f"{champion.spec.name} v{champion.version}"
    try:
        pred = champion.model.predict(X)
    except MlflowException as err:  # MLflow's message also prints the whole frame: keep its reason only
        reason = str(err.message).rsplit("Error: ", 1)[-1]
        raise SignatureMismatch(f"{name} refuses the scoring features: {reason}") from None
    missing = set(champion.spec.score_columns) - set(getattr(pred, "columns", []))
    if missing:
        raise SignatureMismatch(f"{name} does not return {sorted(missing)}: retrain it (training_job)")
    return pd.DataFrame(pred, copy=False).set_axis(X.index)


def score(champion: Champion, data: dict, as_of: pd.Timestamp, computed: dict | None = None, apply=None) -> Scored:
    """Score the spec's rows for the day. ``computed`` (feature set -> features) lets a model
    reuse the features another model of the same feature set computed for the same rows.
    ``apply(champion, keys, X)`` runs ``score_rows`` (by default here, in this process; or
    spread over Spark: engines.spark_compute.score_on_spark)."""
    spec = champion.spec
    rows = spec.scoring_rows(data, as_of)
    cached = (computed or {}).get(spec.feature_set)
    if cached is not None and rows.index.isin(cached.index).all():
        X = cached.loc[rows.index]
    else:
        X = spec.features(data, rows)
    if computed is not None and spec.feature_set not in computed:
        computed[spec.feature_set] = X
    return Scored(spec, champion.version, (apply or score_rows)(champion, rows[list(spec.output.key)], X), X)


def score_rows(champion: Champion, keys: pd.DataFrame, X: pd.DataFrame) -> pd.DataFrame:
    """The output rows of ``keys`` (the output table's key columns) scored from their features
    ``X`` (same index): the one scoring function, run on the whole book in one process or on
    each batch of a Spark partition (engines.spark_compute.score_on_spark)."""
    spec = champion.spec
    outputs = list(spec.score_columns)
    pred = predict(champion, X)[outputs] if len(X) else pd.DataFrame(columns=outputs, index=X.index, dtype=float)
    return keys.join(pred.rename(columns=spec.score_columns))


def score_all(champions: dict[str, Champion | None], data: Mapping, as_of: pd.Timestamp, apply=None) -> list[Scored]:
    """Every champion's scores, one model after the other; from ``ml.data.Marts``, each model's
    own tables are let go once it is scored (memory holds one model's tables at a time)."""
    computed: dict = {}
    scored = []
    for champion in (c for c in champions.values() if c is not None):
        scored.append(score(champion, data, as_of, computed, apply))
        if isinstance(data, Marts):
            data.release()
    return scored


def invoice_scores(scored: list[Scored], data: dict, specs) -> pd.DataFrame:
    """ml.invoice_scores rows: each open invoice some model scored, with every invoice-grain
    model's columns (NaN where a model has no champion yet or does not score that invoice)."""
    scored = [s for s in scored if s.spec.output == INVOICE_SCORES]
    inv = data["invoices"]
    out = inv.loc[inv.open_amount > 0, BOOK_COLUMNS]
    scored_ids = set().union(*(s.scores.invoice_id for s in scored)) if scored else set()
    out = out[out.invoice_id.isin(scored_ids)]
    for s in scored:
        out = out.merge(s.scores, on="invoice_id", how="left")
    for spec in (spec for spec in specs if spec.output == INVOICE_SCORES):
        for column in spec.score_columns.values():
            if column not in out:
                out[column] = float("nan")
    return out.assign(model_version=",".join(f"{s.spec.name}:{s.version}" for s in scored))


def other_tables(scored: list[Scored], specs) -> dict[str, pd.DataFrame]:
    """The day's rows of every output table but ml.invoice_scores: the scores of the models
    writing to it, joined on its key (an empty frame with its columns before any champion)."""
    tables = {}
    for spec in (spec for spec in specs if spec.output != INVOICE_SCORES):
        empty = pd.DataFrame(columns=[*spec.output.key, *spec.score_columns.values()])
        mine = next((s.scores for s in scored if s.spec is spec), empty)
        table = tables.get(spec.output.table)
        tables[spec.output.table] = mine if table is None else table.merge(mine, on=list(spec.output.key), how="outer")
    return tables
