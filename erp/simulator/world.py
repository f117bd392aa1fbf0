"""The simulated company: latent state in a DuckDB file, drops emitted in the ERP contract.

Generation streams customer chunks to disk, so the large size (100k customers, 2M+ invoices)
never holds the whole world in memory. Every future event is drawn at creation from each
customer's latent behaviour; :meth:`World.advance` then applies the reminders sent on a day
(pulling payments forward for customers who respond) before emitting that day's drop, so the
pipeline's own e-mails change what customers do. A drop for date D is a snapshot of every event
up to the end of D, never later ones: the simulator cannot leak the future into the pipeline.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from erp.folders import dated_folders
from erp.ingest.load import transaction
from erp.simulator import archetypes, history, inbound, records
from erp.simulator.responses import apply_sends
from erp.simulator.snapshot import emit_snapshot
from erp.simulator.storage import append

STATE_FILE = "world.duckdb"
GROUND_TRUTH = "ground_truth"
DROPS = "drops"


@dataclass(frozen=True)
class SimulationConfig:
    """Sizes and calendar of a simulated world. ``end`` is the first extraction date: history
    covers ``months`` before it, and invoices are drawn ``future_days`` beyond it."""

    end: date
    customers: int = 1_000
    months: int = 24
    seed: int = 42
    future_days: int = 365
    invoices_per_month: float = history.INVOICES_PER_MONTH
    chunk_customers: int = 5_000
    history_days: int = 730
    drop_format: str = "csv"

    @property
    def start(self) -> date:
        return (pd.Timestamp(self.end) - pd.DateOffset(months=self.months)).date()


class World:
    def __init__(self, root: Path):
        self.root = Path(root)
        if not (self.root / STATE_FILE).exists():
            raise FileNotFoundError(f"no simulated world in {self.root} (create one with `python -m erp.simulator`)")
        with self._connect(read_only=True) as con:
            meta = json.loads(con.execute("select value from meta where key = 'config'").fetchone()[0])
            self.current_day = date.fromisoformat(
                con.execute("select value from meta where key = 'current_day'").fetchone()[0]
            )
        meta["end"] = date.fromisoformat(meta["end"])
        self.config = SimulationConfig(**meta)

    @property
    def drop_root(self) -> Path:
        return self.root / DROPS

    @property
    def ground_truth_dir(self) -> Path:
        return self.root / GROUND_TRUTH

    @property
    def horizon(self) -> date:
        return self.config.end + timedelta(days=self.config.future_days)

    def _connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(self.root / STATE_FILE), read_only=read_only)
        con.execute("set TimeZone = 'UTC'")
        return con

    # ------------------------------------------------------------------ creation
    @classmethod
    def create(cls, root: Path, config: SimulationConfig, progress: bool = False) -> World:
        """Generate the world's history and latent future, then emit the drop for ``config.end``."""
        root = Path(root)
        if (root / STATE_FILE).exists():
            (root / STATE_FILE).unlink()
        for folder in (DROPS, GROUND_TRUTH):
            shutil.rmtree(root / folder, ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(root / STATE_FILE))
        con.execute("set TimeZone = 'UTC'")
        n_chunks = -(-config.customers // config.chunk_customers)
        chunks = range(n_chunks)
        if progress:
            from tqdm import tqdm

            chunks = tqdm(chunks, desc="simulating customers", unit="chunk")
        for chunk in chunks:
            tables = _generate_chunk(config, chunk)
            for name, df in tables.items():
                append(con, name, df)
        meta = asdict(config) | {"end": config.end.isoformat()}
        con.execute("create table meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute(
            "insert into meta values ('config', ?), ('current_day', ?)", [json.dumps(meta), config.end.isoformat()]
        )
        con.close()
        world = cls(root)
        world._write_ground_truth()
        world.emit(config.end)
        return world

    def _write_ground_truth(self) -> None:
        """Causal truth for evaluating models; the pipeline itself never reads this folder."""
        self.ground_truth_dir.mkdir(parents=True, exist_ok=True)
        queries = {
            "customers": "select * exclude (name) from customers",
            "invoices": "select invoice_id, customer_id, natural_delay, never_pays from invoices",
            "inbound_messages": "select inbound_id, true_category from inbound_messages",
        }
        with self._connect(read_only=True) as con:
            for name, query in queries.items():
                con.execute(f"copy ({query}) to '{self.ground_truth_dir / name}.parquet' (format parquet)")

    # ------------------------------------------------------------------ daily life
    def emit(self, day: date, fmt: str | None = None) -> Path:
        """Write the drop (full snapshot) for ``day`` and return its folder."""
        if day > self.current_day:
            raise ValueError(f"cannot emit {day}: the world has only reached {self.current_day}")
        with self._connect(read_only=True) as con:
            return emit_snapshot(
                con, self.drop_root / day.isoformat(), day, self.config.history_days, fmt or self.config.drop_format
            )

    def advance(self, day: date, sends: pd.DataFrame | None = None) -> Path:
        """Move the world to ``day``: apply the reminders sent that day, emit that day's drop.

        Days between the current day and ``day`` pass with no reminders. A message already
        applied (same message_id) is ignored, so re-running a day never counts a send twice; the
        sends' consequences and the new current day commit together, so a run killed half-way
        leaves the world as it was, and its re-run applies the sends whole.
        """
        if day <= self.current_day:
            raise ValueError(f"the world is already at {self.current_day}; advance to a later day")
        if day > self.horizon:
            raise ValueError(
                f"the world was generated up to {self.horizon}; re-create it with more --future-days to simulate {day}"
            )
        with self._connect() as con, transaction(con):
            if sends is not None and len(sends):
                apply_sends(con, self.config.seed, day, sends)
            con.execute("update meta set value = ? where key = 'current_day'", [day.isoformat()])
        self.current_day = day
        return self.emit(day)

    def prune_drops(self, keep_days: int) -> list[Path]:
        """Delete drop folders older than ``keep_days`` before the current day."""
        cutoff = self.current_day - timedelta(days=keep_days)
        removed = []
        for day, folder in dated_folders(self.drop_root):
            if day < cutoff:
                shutil.rmtree(folder)
                removed.append(folder)
        return removed


def _generate_chunk(config: SimulationConfig, chunk: int) -> dict[str, pd.DataFrame]:
    """All tables for one chunk of customers, from a random stream of its own (deterministic
    for a seed whatever the number of chunks generated before it)."""
    rng = np.random.default_rng([config.seed, chunk])
    start, end = pd.Timestamp(config.start), pd.Timestamp(config.end)
    horizon = end + pd.Timedelta(days=config.future_days)
    first = chunk * config.chunk_customers
    n = min(config.chunk_customers, config.customers - first)
    customers = archetypes.sample_customers(rng, first, n, start, end)
    customers.insert(1, "name", records.company_names(rng, customers))
    contacts = records.contacts_for(rng, customers, end)
    inv = history.invoices_for(rng, customers, start, horizon, chunk, config.invoices_per_month)
    inv = history.natural_settlement(rng, inv, customers)
    sends, promises = history.legacy_reminders(rng, inv, customers, contacts, end + pd.Timedelta(days=1))
    history.settle_responders_write_offs(inv)
    payments = records.payment_rows(rng, inv, customers)
    events = records.email_events(rng, sends)
    unsubscribed = events[events.event == "unsubscribe"].merge(sends[["message_id", "contact_id"]], on="message_id")
    opt_out = unsubscribed.groupby("contact_id").occurred_at.min()
    contacts["opted_out_at"] = contacts.opted_out_at.fillna(contacts.contact_id.map(opt_out))
    messages = _inbound(rng, inv, promises, payments, contacts, customers, config.months)
    promises_out = promises.reset_index(drop=True)
    if len(promises_out):
        promises_out.insert(0, "promise_id", [f"PTP-{chunk:04d}-{i:07d}" for i in range(len(promises_out))])
    if len(messages):
        messages.insert(0, "inbound_id", [f"IN-{chunk:04d}-{i:07d}" for i in range(len(messages))])
    return {
        "customers": customers,
        "contacts": contacts,
        "invoices": inv.assign(settled_on=history.settled_on(inv)).drop(columns="pay_date"),
        "payments": payments,
        "credit_notes": records.credit_note_rows(inv),
        "disputes": records.dispute_rows(inv),
        "promises_to_pay": promises_out,
        "contact_history": _history_rows(sends),
        "email_events": events,
        "inbound_messages": messages,
    }


def _history_rows(sends: pd.DataFrame) -> pd.DataFrame:
    if sends.empty:
        return sends
    return pd.DataFrame(
        {
            "message_id": sends.message_id,
            "customer_id": sends.customer_id,
            "contact_id": sends.contact_id,
            "invoice_id": sends.invoice_id,
            "channel": "email",
            "sent_at": sends.sent_at.dt.floor("s"),
            "journey": sends.journey,
            "step": sends.step,
            "tone": sends.tone,
            "incentive": sends.incentive,
            "variant": pd.array([None] * len(sends), dtype="string"),  # typed VARCHAR, not NULL, in the world table
        }
    )


def _inbound(rng, inv, promises, payments, contacts, customers, months) -> pd.DataFrame:
    def hours(n: int) -> pd.TimedeltaIndex:  # mail arrives during office hours
        return pd.to_timedelta(rng.uniform(7, 19, n), unit="h")

    d = inv[inv.dispute_opened.notna()].sample(frac=0.8, random_state=rng.integers(2**31))
    triggers = [
        pd.DataFrame(
            {
                "customer_id": d.customer_id,
                "invoice_id": d.invoice_id,
                "category": "dispute",
                "received_at": d.dispute_opened + hours(len(d)),
                "amount": d.amount,
                "date": d.due_date,
            }
        )
    ]
    if len(promises):
        p = promises.sample(frac=0.7, random_state=rng.integers(2**31)).merge(
            inv[["invoice_id", "customer_id"]], on="invoice_id"
        )
        triggers.append(
            pd.DataFrame(
                {
                    "customer_id": p.customer_id,
                    "invoice_id": p.invoice_id,
                    "category": "promise_to_pay",
                    "received_at": p.created_at + hours(len(p)),
                    "amount": p.amount,
                    "date": p.promised_date,
                }
            )
        )
    r = payments.sample(frac=0.05, random_state=rng.integers(2**31))
    triggers.append(
        pd.DataFrame(
            {
                "customer_id": r.customer_id,
                "invoice_id": r.invoice_id,
                "category": "remittance_advice",
                "received_at": r.payment_date + hours(len(r)),
                "amount": r.amount,
                "date": r.payment_date,
            }
        )
    )
    u = contacts[contacts.opted_out_at.notna()].sample(frac=0.5, random_state=rng.integers(2**31))
    first_invoice = inv.groupby("customer_id").first()
    u = u[u.customer_id.isin(first_invoice.index)]
    triggers.append(
        pd.DataFrame(
            {
                "customer_id": u.customer_id,
                "invoice_id": first_invoice.invoice_id.reindex(u.customer_id).to_numpy(),
                "category": "unsubscribe",
                "received_at": u.opted_out_at,
                "amount": first_invoice.amount.reindex(u.customer_id).to_numpy(),
                "date": first_invoice.due_date.reindex(u.customer_id).to_numpy(),
            }
        )
    )
    triggers.append(inbound.random_requests(rng, inv, months))
    all_triggers = pd.concat([t for t in triggers if len(t)], ignore_index=True).sort_values(
        "received_at", kind="stable", ignore_index=True
    )
    all_triggers["received_at"] = all_triggers.received_at.dt.floor("s")
    messages = inbound.inbound_messages(rng, all_triggers, contacts, customers)
    return messages[~inbound.silenced(all_triggers, customers)].reset_index(drop=True) if len(messages) else messages
