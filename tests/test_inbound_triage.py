"""Inbound triage on the small simulated world: trained and promoted through ml.training on a real
SQLite MLflow store, judged on a time-ordered window, then made to read hand-written e-mails it
has never seen (tests/inbound_paraphrases.py), a mailbox export through the CLI with no network,
and requests ranked by priority."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ml import registry, scores, scoring, training
from ml.inbound import __main__ as cli
from ml.inbound import triage
from ml.inbound.priority import priority
from ml.inbound.sentiment import sentiment
from tests.conftest import SMALL_WORLD_END
from tests.inbound_paraphrases import PARAPHRASES

ROOT = Path(__file__).resolve().parents[1]
AS_OF = pd.Timestamp(SMALL_WORLD_END)
RECEIVED = pd.Timestamp("2026-06-15 10:00")


def world_data(world) -> dict:
    """What ml.data.load gives the triage (fct_inbound_messages, fct_invoices' open amounts, the
    last 360's risk), read from the world's own tables up to its last day."""
    end = AS_OF + pd.Timedelta(days=1)
    with duckdb.connect(str(world.root / "world.duckdb"), read_only=True) as con:
        inbound = con.execute(
            "select inbound_id, customer_id, received_at, subject, body, category "
            "from inbound_messages where received_at < ?",
            [end],
        ).df()
        invoices = con.execute(
            "select invoice_id, customer_id, amount, settled_on from invoices where issue_date < ?", [end]
        ).df()
    invoices["open_amount"] = invoices.amount.where(invoices.settled_on.isna() | (invoices.settled_on >= end), 0.0)
    customers = invoices.customer_id.drop_duplicates()
    risk = pd.DataFrame({"customer_id": customers, "risk_score": 0.2})
    return {"inbound": inbound, "invoices": invoices, "customer_risk": risk}


@pytest.fixture(scope="session")
def trained(small_world, tmp_path_factory):
    home = tmp_path_factory.mktemp("triage")
    uri = f"sqlite:///{home / 'mlflow.db'}"
    registry.connect(uri, home / "artifacts")
    data = world_data(small_world)
    result = training.run_training(triage.SPEC, data, AS_OF)
    champion = scoring.load_champions([triage.SPEC])[triage.MODEL_NAME]
    return {"uri": uri, "result": result, "champion": champion, "data": data, "home": home}


def features(messages: list[tuple[str, str]], balance: float = 1000.0, risk: float = 0.2) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"subject": s, "body": b, "received_at": RECEIVED, "open_balance": balance, "risk_score": risk}
            for s, b in messages
        ]
    )


def test_held_out_messages_are_classified_well_above_the_keyword_baseline(trained):
    metrics, result = trained["result"]["metrics"], trained["result"]
    assert result["promoted"]
    assert metrics["macro_f1"] >= 0.9
    assert metrics["macro_f1"] >= 1.1 * metrics["baseline_keywords_macro_f1"]
    assert metrics["macro_f1"] > metrics["baseline_majority_macro_f1"]
    assert min(v for k, v in metrics.items() if k.startswith("f1_")) >= 0.8


def test_hand_paraphrased_messages_get_their_category_and_language(trained):
    out = scoring.predict(trained["champion"], features(list(PARAPHRASES.values())))
    got = dict(zip(PARAPHRASES, zip(out.category, out.language, strict=True), strict=True))
    wrong = {key: value for key, value in got.items() if value != key}
    assert not wrong, f"misread: {wrong}"


def test_a_message_with_two_requests_names_both_and_reads_the_promise(trained):
    two = (
        "Re: relance",
        "Bonjour, nous réglerons 1 250,00 € le 30 juin. Par ailleurs pourriez-vous nous "
        "renvoyer une copie de la facture de mai, nous ne la retrouvons pas ?\nCordialement",
    )
    row = scoring.predict(trained["champion"], features([two])).iloc[0]
    assert {row.category, row.secondary_category} == {"promise_to_pay", "invoice_copy"}
    assert row.promise_date == pd.Timestamp("2026-06-30") and row.promise_amount == 1250.0
    assert row.language == "fr"


def test_daily_scoring_writes_the_triage_table(trained, tmp_path):
    scored = scoring.score(trained["champion"], trained["data"], AS_OF)
    table = scoring.other_tables([scored], [triage.SPEC])["inbound_triage"]
    recent = trained["data"]["inbound"].received_at >= AS_OF - pd.Timedelta(days=triage.SCORING_DAYS - 1)
    assert len(table) == recent.sum() > 0 and table.inbound_id.is_unique
    assert table.category.notna().all() and table.reason.str.contains("classified").all()
    no_invoices = pd.DataFrame(columns=scoring.BOOK_COLUMNS)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:  # the day before the first champion, then today
        scores.write(con, "2026-06-29", no_invoices, scoring.other_tables([], [triage.SPEC]))
        scores.write(con, str(AS_OF.date()), no_invoices, {"inbound_triage": table})
        assert con.execute("select count(*) from ml.inbound_triage").fetchone()[0] == len(table)
        types = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns where table_name = 'inbound_triage'"
            ).fetchall()
        )
    assert types["secondary_category"] == types["category"] == "VARCHAR" and types["priority"] == "DOUBLE"


def offline() -> list[str]:
    """A command prefix with no network at all, when this machine allows it (unshare -rn)."""
    try:
        return (
            ["unshare", "-rn"]
            if subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0
            else []
        )
    except FileNotFoundError:
        return []


def test_cli_classifies_a_mailbox_export_offline_with_the_champion(trained, tmp_path):
    export = pd.DataFrame(
        {
            "inbound_id": ["m1", "m2", "m3"],
            "from_email": ["a@x.fr", "b@y.com", "c@z.com"],
            "customer_id": ["", "", ""],
            "received_at": ["2026-06-15T09:30:00", "2026-06-16 14:00:00", "2026-06-17"],
            "subject": ["Règlement", "copy please", ""],
            "category": ["", "", ""],
            "body": [
                "Bonjour, nous paierons 2 400 € vendredi prochain.\nCordialement",
                "Hi, could you send us invoice INV-42 again? It never arrived.",
                None,
            ],
        }
    )
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    export.to_csv(source, index=False)
    env = os.environ | {"MLFLOW_TRACKING_URI": trained["uri"], "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [*offline(), sys.executable, "-m", "ml.inbound", "classify", str(source), str(target)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = pd.read_csv(target)
    assert list(out.columns) == cli.OUT_COLUMNS and list(out.inbound_id) == ["m1", "m2", "m3"]
    assert list(out.category[:2]) == ["promise_to_pay", "invoice_copy"] and out.category[2] == "other"
    assert out.promise_date[0] == "2026-06-19" and out.promise_amount[0] == 2400.0
    assert list(out.language) == ["fr", "en", "other"]


def test_cli_refuses_an_export_without_the_contract_columns(tmp_path, trained):
    source = tmp_path / "bad.csv"
    pd.DataFrame({"id": ["m1"], "text": ["hello"]}).to_csv(source, index=False)
    with pytest.raises(ValueError, match="inbound_id"):
        cli.read_export(source)


def test_a_dispute_from_a_large_risky_account_comes_before_a_copy_request_from_a_small_one(trained):
    dispute = ("litige", "Nous contestons cette facture, les pièces livrées sont défectueuses. C'est inadmissible !")
    copy = ("copy", "Hello, could you resend last month's invoice? Thanks a lot.")
    big = scoring.predict(trained["champion"], features([dispute], balance=180_000.0, risk=0.7)).iloc[0]
    small = scoring.predict(trained["champion"], features([copy], balance=350.0, risk=0.05)).iloc[0]
    assert (big.category, small.category) == ("dispute", "invoice_copy")
    assert big.priority > small.priority
    assert "open balance 180,000" in big.reason and "upset tone" in big.reason


def test_priority_grows_with_balance_risk_and_an_upset_tone():
    base = priority("invoice_copy", 1_000.0, 0.1, 0.0)[0]
    assert priority("invoice_copy", 50_000.0, 0.1, 0.0)[0] > base
    assert priority("invoice_copy", 1_000.0, 0.6, 0.0)[0] > base
    assert priority("invoice_copy", 1_000.0, 0.1, -0.6)[0] > base
    assert priority("dispute", 1_000.0, 0.1, 0.0)[0] > base > priority("unsubscribe", 1_000.0, 0.1, 0.0)[0]
    assert 0 <= priority("dispute", 1e9, 1.0, -1.0)[0] <= 100


def test_sentiment_reads_anger_thanks_and_negation_in_both_languages():
    assert sentiment("This is UNACCEPTABLE, the third wrong invoice!!") < -0.3
    assert sentiment("C'est inadmissible, encore une erreur.") < 0
    assert sentiment("Thank you so much, great service") > 0.2
    assert sentiment("Merci beaucoup, parfait") > 0.2
    assert sentiment("Nous ne sommes pas satisfaits") < 0 < sentiment("Nous sommes satisfaits")
    assert sentiment("") == 0.0


def test_drift_monitoring_compares_the_numeric_features_of_messages_only(tmp_path):
    import numpy as np

    from ml import drift

    rng = np.random.default_rng(0)

    def batch(n: int, shift: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "subject": [f"s{i % 7}" for i in range(n)],
                "body": "text",
                "received_at": pd.Timestamp("2026-06-01") + pd.to_timedelta(np.arange(n), unit="h"),
                "open_balance": rng.lognormal(8 + shift, 1, n),
                "risk_score": rng.uniform(0, 1, n),
            }
        )

    result = drift.drift_report(batch(2000, 0.0), batch(1000, 2.0), tmp_path / "drift.html")
    assert result.drifted_features == ["open_balance"] and result.drifted_share == 0.5
