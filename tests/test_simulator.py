"""The simulated world is deterministic, its archetypes behave as claimed, and the pipeline's
sends change what customers do."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest

from erp.simulator import SimulationConfig, World, responses
from tests.conftest import SMALL_WORLD_END


def digest(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def settlement(world: World) -> pd.DataFrame:
    """Days late at settlement per invoice due long enough ago, with the customer's truth."""
    drop = world.drop_root / world.current_day.isoformat()
    return duckdb.sql(f"""
        with pay as (select invoice_id, max(payment_date) as paid_on, count(*) as parts,
                            bool_and(method = 'card') as all_card
                     from read_csv('{drop}/payments.csv') group by 1)
        select i.invoice_id, i.customer_id, i.issue_date, g.archetype, g.change_type, g.change_onset,
               datediff('day', i.due_date, pay.paid_on) as days_late, pay.paid_on is null as unpaid,
               pay.parts, pay.all_card
        from read_csv('{drop}/invoices.csv') i left join pay using (invoice_id)
        join '{world.ground_truth_dir}/customers.parquet' g using (customer_id)
        where i.due_date < date '{world.current_day}' - interval 150 day""").df()


def test_same_seed_same_world_other_seed_other_world(tmp_path):
    config = SimulationConfig(end=date(2025, 3, 31), customers=60, months=4, seed=11, future_days=30)
    a = World.create(tmp_path / "a", config)
    b = World.create(tmp_path / "b", config)
    c = World.create(tmp_path / "c", SimulationConfig(**{**config.__dict__, "seed": 12}))
    day = config.end.isoformat()
    assert digest(a.drop_root / day) == digest(b.drop_root / day)
    assert digest(a.drop_root / day) != digest(c.drop_root / day)


def test_archetypes_show_the_behaviour_they_claim(small_world):
    s = settlement(small_world)
    paid = s[~s.unpaid & s.change_type.isna()]
    median = paid.groupby("archetype").days_late.median()
    assert 7 <= median["habitual_late"] <= 10
    assert median["punctual"] <= 0
    assert median["self_curer"] <= 8
    assert median["chronic_late"] >= 20
    assert median["high_risk"] >= 40
    unpaid = s.groupby("archetype").unpaid.mean()
    assert unpaid.idxmax() == "high_risk" and unpaid["high_risk"] > 0.1
    drop = small_world.drop_root / SMALL_WORLD_END.isoformat()
    disputed = duckdb.sql(f"""select g.archetype, avg((d.invoice_id is not null)::int) as share
        from read_csv('{drop}/invoices.csv') i left join read_csv('{drop}/disputes.csv') d using (invoice_id)
        join '{small_world.ground_truth_dir}/customers.parquet' g using (customer_id) group by 1""").df()
    shares = disputed.set_index("archetype").share
    assert shares["serial_disputer"] > 0.35 and shares.drop("serial_disputer").max() < 0.1


def test_behaviour_changes_start_at_their_onset(small_world):
    s = settlement(small_world)
    drift = s[(s.change_type == "delay_drift") & ~s.unpaid]
    before = drift[drift.issue_date < drift.change_onset].days_late.median()
    after = drift[drift.issue_date >= drift.change_onset + pd.Timedelta(days=90)].days_late.median()
    assert 7 <= before <= 10 and after >= before + 5  # "from ~8 to ~15 days"
    switch = s[(s.change_type == "method_switch") & ~s.unpaid]
    late = switch[switch.issue_date >= switch.change_onset]
    assert late.all_card.mean() > 0.9 and late.parts.mean() >= 2


def test_a_customer_gone_silent_stops_opening_and_answering(small_world):
    """ "Used to open and answer, now silent": from its onset a silent customer opens almost
    nothing and writes no message at all (before the fix it kept sending remittance advice and
    requests, so two thirds of its "replies" went on)."""
    drop = small_world.drop_root / SMALL_WORLD_END.isoformat()
    truth = pd.read_parquet(small_world.ground_truth_dir / "customers.parquet").set_index("customer_id")
    silent = truth[truth.change_type == "goes_silent"].change_onset
    senders = pd.read_csv(drop / "contacts.csv").drop_duplicates("email").set_index("email").customer_id
    mail = pd.read_csv(drop / "inbound_messages.csv", parse_dates=["received_at"])
    mail["received_at"] = mail.received_at.dt.tz_localize(None)
    mail["sender"] = mail.from_email.map(senders)
    mine = mail[mail.sender.isin(silent.index)]
    after = mine.received_at >= silent.reindex(mine.sender).to_numpy()
    assert len(silent) >= 5 and (~after).sum() > 0 and after.sum() == 0
    sends = pd.read_csv(drop / "contact_history.csv", parse_dates=["sent_at"])
    sends["sent_at"] = sends.sent_at.dt.tz_localize(None)
    opens = pd.read_csv(drop / "email_events.csv").query("event == 'open'").message_id
    sends = sends[sends.customer_id.isin(silent.index)].assign(opened=lambda f: f.message_id.isin(opens))
    later = sends.sent_at >= silent.reindex(sends.customer_id).to_numpy()
    assert sends.opened[later].mean() < 0.1 < sends.opened[~later].mean()


def test_legacy_history_randomises_hour_and_incentive_and_holds_customers_out(small_world):
    drop = small_world.drop_root / SMALL_WORLD_END.isoformat()
    sends = pd.read_csv(drop / "contact_history.csv", parse_dates=["sent_at"])
    assert set(sends.incentive) == {
        "none",
        "early_pay_discount",
        "late_fee_warning",
        "payment_plan",
        "card_payment_link",
    }
    assert sends.sent_at.dt.hour.nunique() >= 16  # 07–20 local across several time zones
    s = settlement(small_world)
    overdue_long = s[s.days_late > 25].invoice_id
    reminded = set(sends.invoice_id)
    never_reminded = (~overdue_long.isin(reminded)).mean()
    assert 0.05 < never_reminded < 0.4  # the legacy policy's quarterly holdout (15 % of customers), plus disputes


def test_drop_is_a_snapshot_cut_at_its_date(small_world):
    drop = small_world.drop_root / SMALL_WORLD_END.isoformat()
    cutoff = pd.Timestamp(SMALL_WORLD_END) + pd.Timedelta(days=1)
    for table, column in [
        ("invoices", "issue_date"),
        ("payments", "payment_date"),
        ("disputes", "opened_at"),
        ("contact_history", "sent_at"),
        ("email_events", "occurred_at"),
        ("inbound_messages", "received_at"),
    ]:
        values = pd.to_datetime(pd.read_csv(drop / f"{table}.csv")[column], utc=True).dt.tz_localize(None)
        assert values.max() < cutoff, table
    disputes = pd.read_csv(drop / "disputes.csv", parse_dates=["resolved_at"])
    assert disputes.resolved_at.max() <= pd.Timestamp(SMALL_WORLD_END)
    assert disputes.resolved_at.isna().any()  # disputes still open on the extraction date


def test_ground_truth_is_kept_apart_from_the_drops(small_world):
    assert not any("ground_truth" in str(p) for p in small_world.drop_root.rglob("*"))
    truth = pd.read_parquet(small_world.ground_truth_dir / "customers.parquet")
    expected = {
        "archetype",
        "best_hour",
        "best_weekday",
        "self_cure_probability",
        "change_type",
        "change_onset",
        "effect_early_pay_discount",
        "effect_late_fee_warning",
        "effect_payment_plan",
        "effect_card_payment_link",
    }
    assert expected <= set(truth.columns)
    inbound = pd.read_parquet(small_world.ground_truth_dir / "inbound_messages.parquet")
    assert inbound.true_category.notna().all()


def test_inbound_mail_in_french_and_english_for_every_category(small_world):
    drop = small_world.drop_root / SMALL_WORLD_END.isoformat()
    messages = pd.read_csv(drop / "inbound_messages.csv")
    truth = pd.read_parquet(small_world.ground_truth_dir / "inbound_messages.parquet")
    m = messages.merge(truth, on="inbound_id")
    assert set(m.true_category) == {
        "dispute",
        "promise_to_pay",
        "invoice_copy",
        "payment_link",
        "po_number",
        "unsubscribe",
        "remittance_advice",
        "other",
    }
    assert (
        m.body.str.contains("Bonjour|Cordialement|facture").any() and m.body.str.contains("Hello|Regards|invoice").any()
    )
    assert 0.5 < m.category.notna().mean() < 0.9  # partly labelled by the AR team
    assert m.groupby("true_category").body.nunique().min() >= 3


def chronic_late_sends(world: World, day: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reminders on ``day`` to chronic late payers' overdue invoices paid 20+ days later (the
    invoices, and the sends in the contract's contact_history shape)."""
    with duckdb.connect(str(world.root / "world.duckdb"), read_only=True) as con:
        overdue = con.execute(
            """
            select i.invoice_id, i.customer_id, i.settled_on from invoices i join customers c using (customer_id)
            where i.due_date < ? and i.settled_on > ? + interval 20 day and i.dispute_opened is null
              and c.archetype = 'chronic_late' order by invoice_id limit 60""",
            [day, day],
        ).df()
    assert len(overdue) >= 10
    sends = pd.DataFrame(
        {
            "message_id": "R-" + overdue.invoice_id,
            "customer_id": overdue.customer_id,
            "contact_id": overdue.customer_id + "-K0",
            "invoice_id": overdue.invoice_id,
            "channel": "email",
            "sent_at": pd.Timestamp(day) + pd.Timedelta(hours=9),
            "journey": "standard",
            "step": "s1",
            "tone": "neutral",
            "incentive": "early_pay_discount",
            "variant": None,
        }
    )
    return overdue, sends


def test_advance_applies_sends_once_and_pulls_payments_forward(tmp_path):
    world = World.create(
        tmp_path / "w", SimulationConfig(end=date(2025, 6, 30), customers=300, months=6, seed=5, future_days=60)
    )
    day = world.current_day + timedelta(days=1)
    overdue, sends = chronic_late_sends(world, day)
    folder = world.advance(day, sends)
    history = pd.read_csv(folder / "contact_history.csv")
    assert set(sends.message_id) <= set(history.message_id)
    with duckdb.connect(str(world.root / "world.duckdb"), read_only=True) as con:
        after = con.execute(
            "select invoice_id, settled_on from invoices where invoice_id in (select unnest(?))",
            [overdue.invoice_id.tolist()],
        ).df()
    moved = overdue.merge(after, on="invoice_id", suffixes=("_before", "_after"))
    assert (moved.settled_on_after < moved.settled_on_before).sum() >= 5  # responsive customers paid sooner
    world.advance(day + timedelta(days=1), sends)  # the same messages again: ignored
    history = pd.read_csv(world.drop_root / (day + timedelta(days=1)).isoformat() / "contact_history.csv")
    assert history.message_id.is_unique
    with pytest.raises(ValueError, match="already at"):
        world.advance(day, None)


def test_a_day_killed_half_way_through_its_sends_is_applied_whole_by_its_rerun(tmp_path, monkeypatch):
    """A run dying after the sends' contact history was written but before their payments moved
    leaves the world as it was: its re-run would otherwise skip those messages as already
    applied, and the customers' answers to them would be lost (the kill soak's clean copy has them)."""
    clean = World.create(
        tmp_path / "clean", SimulationConfig(end=date(2025, 6, 30), customers=300, months=6, seed=5, future_days=60)
    )
    shutil.copytree(clean.root, tmp_path / "killed")
    killed, day = World(tmp_path / "killed"), clean.current_day + timedelta(days=1)
    _, sends = chronic_late_sends(clean, day)
    clean.advance(day, sends)

    def dies(*_):
        raise SystemExit("killed while moving payments")

    monkeypatch.setattr(responses, "_move_payments", dies)
    with pytest.raises(SystemExit):
        killed.advance(day, sends)
    monkeypatch.undo()
    killed.advance(day, sends)
    with duckdb.connect() as con:
        con.execute(f"attach '{clean.root / 'world.duckdb'}' as clean (read_only)")
        con.execute(f"attach '{killed.root / 'world.duckdb'}' as killed (read_only)")
        for table in ("contact_history", "email_events", "invoices", "payments", "promises_to_pay", "meta"):
            differing = con.execute(
                f"select count(*) from (select * from clean.{table} except all select * from killed.{table})"
            ).fetchone()[0]
            assert differing == 0, table


def test_retention_prunes_old_drops(tmp_path):
    world = World.create(
        tmp_path / "w", SimulationConfig(end=date(2025, 1, 31), customers=30, months=2, future_days=20)
    )
    for offset in range(1, 6):
        world.advance(world.config.end + timedelta(days=offset))
    removed = world.prune_drops(keep_days=2)
    assert sorted(p.name for p in world.drop_root.iterdir()) == ["2025-02-03", "2025-02-04", "2025-02-05"]
    assert len(removed) == 3
