"""Triage any mailbox export with the champion: ``python -m ml.inbound classify IN.csv OUT.csv``.

IN.csv has the contract's ``inbound_messages`` columns (inbound_id, from_email, customer_id,
received_at, subject, body, category; ``category`` may be empty or absent). OUT.csv has one row
per message: inbound_id, the predicted category and secondary_category, confidence, language,
promise_date and promise_amount. The champion is loaded from MLflow by its alias, so this is
exactly the model the daily scoring uses; the tracking URI is ``--tracking-uri``, else MLflow's
own (MLFLOW_TRACKING_URI, which MLflow reads itself: ``make classify-inbound`` sets it and keeps
telemetry off). A mailbox export has no balances or risk scores, so
the priority is left to the daily scoring. Nothing is fetched from the network.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ml.inbound.triage import FEATURES, MODEL_NAME, SPEC

OUT_COLUMNS = [
    "inbound_id",
    "category",
    "secondary_category",
    "confidence",
    "language",
    "promise_date",
    "promise_amount",
]
REQUIRED = ["inbound_id", "received_at", "body"]


def read_export(path: Path) -> pd.DataFrame:
    """The export's messages, as the triage features (no balance or risk: NaN)."""
    messages = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in REQUIRED if c not in messages.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)} (the contract's inbound_messages columns)")
    if "subject" not in messages:
        messages["subject"] = ""
    received = pd.to_datetime(messages.received_at, errors="coerce", utc=True, format="mixed")
    messages["received_at"] = received.dt.tz_localize(None).astype("datetime64[ns]")
    return messages.assign(open_balance=float("nan"), risk_score=float("nan"))


def classify(messages: pd.DataFrame, champion) -> pd.DataFrame:
    from ml import scoring

    predicted = scoring.predict(champion, messages[FEATURES])
    out = pd.concat([messages[["inbound_id"]], predicted], axis=1)
    out["promise_date"] = out.promise_date.dt.date
    return out[OUT_COLUMNS]


def load_champion(tracking_uri: str):
    import mlflow

    from ml import registry, scoring

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    model, version = registry.load_champion(MODEL_NAME)
    return None if model is None else scoring.Champion(SPEC, model, str(version))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml.inbound", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("classify", help="classify a CSV export of inbound e-mails with the champion")
    run.add_argument("input", type=Path)
    run.add_argument("output", type=Path)
    run.add_argument("--tracking-uri", help="MLflow tracking URI (default: MLflow's, from $MLFLOW_TRACKING_URI)")
    args = parser.parse_args(argv)
    if not args.tracking_uri:
        import mlflow

        args.tracking_uri = mlflow.get_tracking_uri()
    champion = load_champion(args.tracking_uri)
    if champion is None:
        print(f"no champion for {MODEL_NAME} at {args.tracking_uri}: train it first (make run)", file=sys.stderr)
        return 2
    out = classify(read_export(args.input), champion)
    out.to_csv(args.output, index=False)
    print(f"{len(out)} messages classified with {MODEL_NAME} v{champion.version} -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
