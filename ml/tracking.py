"""What a training run tells MLflow's UI beyond its metrics, the same for every model: the data it
was trained and tested on as datasets (a summary and a fingerprint, never the rows: features can
hold message text, and the rows' customers are people's business), and the notes of the model
version it registered (why it was or was not promoted, on which window). Text never reaches the
store: the input example is blanked and the drift reference (numbers only) leaves it out."""

from __future__ import annotations

import hashlib

import pandas as pd

from ml.evaluation import TimeSplit
from ml.spec import ModelSpec, TrainingSet


def fingerprint(data: TrainingSet) -> str:
    """A hash of the exact feature rows and labels: two runs on the same data share it."""
    hashes = pd.util.hash_pandas_object(data.X.assign(__label=data.y.to_numpy()), index=False)
    return hashlib.sha256(hashes.to_numpy().tobytes()).hexdigest()[:16]


def summary(data: TrainingSet) -> pd.DataFrame:
    """One row per feature and for the label: type, non-null count, and for numbers only their
    mean, spread and range (text columns get their number of distinct values, never a value)."""
    rows = []
    for column, values in [*data.X.items(), ("label", data.y)]:
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        stats = values.astype(float).describe() if numeric else None
        rows.append(
            {
                "column": column,
                "dtype": str(values.dtype),
                "non_null": int(values.notna().sum()),
                "distinct": int(values.nunique()),
                **{k: float(stats[k]) if numeric else None for k in ("mean", "std", "min", "max")},
            }
        )
    return pd.DataFrame(rows)


def text_columns(frame: pd.DataFrame) -> list[str]:
    """Columns that can hold text (a message's subject or body, a name, an address)."""
    return [
        c for c in frame.columns if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])
    ]


def redacted(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text blanked: what is stored as the model's input example shows the
    columns and their types, not what people wrote."""
    return frame.assign(**{c: "" for c in text_columns(frame)})


def log_datasets(spec: ModelSpec, train: TrainingSet, test: TrainingSet, split: TimeSplit) -> None:
    """The training and test sets as inputs of the active run (MLflow's Datasets column)."""
    import mlflow

    windows = {"training": training_window(train, split), "testing": f"{split.cutoff.date()}..{split.end.date()}"}
    for context, data in (("training", train), ("testing", test)):
        dataset = mlflow.data.from_pandas(summary(data), name=f"{spec.name}-{context}", digest=fingerprint(data))
        mlflow.log_input(dataset, context=context, tags={"rows": str(len(data)), "window": windows[context]})


def training_window(train: TrainingSet, split: TimeSplit) -> str:
    return f"{train.observed_at.min().date()}..{split.cutoff.date()}"


def version_notes(
    spec: ModelSpec, decision: dict, train: TrainingSet, test: TrainingSet, split: TimeSplit, as_of: pd.Timestamp
) -> tuple[str, dict[str, str]]:
    """The registered version's description and tags: training date and window, the baselines it
    was judged against, each gate's figures and the result."""
    result = "promoted to champion" if decision["promoted"] else "kept as challenger"
    if not decision["beats_baseline"]:
        result += " (does not beat its baseline)"
    elif not decision["beats_champion"]:
        result += " (does not beat the champion)"
    gates = [gate_line(g) for g in decision["gates"]]
    description = "\n".join(
        [
            spec.description,
            "",
            f"Trained on {as_of.date()}: {len(train)} rows observed {training_window(train, split)}, "
            f"tested on {len(test)} rows observed {split.cutoff.date()}..{split.end.date()}.",
            *(f"- {line}" for line in gates),
            f"Result: {result}.",
        ]
    )
    tags = {
        "training_date": str(as_of.date()),
        "training_window": training_window(train, split),
        "test_window": f"{split.cutoff.date()}..{split.end.date()}",
        "baseline": ",".join(sorted({g["baseline"] for g in decision["gates"]})),
        "gate_result": "passed" if decision["promoted"] else "failed",
        **{f"metric.{g['metric']}": f"{g['challenger']:.4g}" for g in decision["gates"]},
        **{f"baseline.{g['baseline']}.{g['metric']}": f"{g['baseline_value']:.4g}" for g in decision["gates"]},
    }
    return description, tags


def gate_line(gate: dict) -> str:
    needed = f"{gate['margin']:.0%} better" if gate["margin"] else "better"
    line = (
        f"{gate['metric']} {gate['challenger']:.4g} against {gate['baseline']} {gate['baseline_value']:.4g} "
        f"({gate['direction']} is better, {needed} needed): {'passed' if gate['beats_baseline'] else 'failed'}"
    )
    if "champion" in gate:
        line += f"; champion {gate['champion']:.4g}: {'beaten' if gate['beats_champion'] else 'not beaten'}"
    return line
