"""The daily contact list: who is contacted on the send day, how, when, with what — and, for
every send a journey wanted but a rule stopped, which rule.

``plan_day`` is a pure function of the book (open invoices with profiles and scores, contacts,
contact history, dunning blocks) and the configuration, so the daily asset, the closed-loop
simulation and the property tests all run the same code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

import pandas as pd

from erp.vocabulary import CUSTOMER_FACING
from journeys.adaptive import DECISION_COLUMNS
from journeys.catalog import Journey, Policy
from journeys.experiments import Experiment
from journeys.planner import Planner, message_groups
from journeys.schedule import send_day_of
from journeys.steps import due_steps

PLAN_COLUMNS = [
    "as_of_date",
    "send_day",
    "message_id",
    "action",
    "customer_id",
    "contact_id",
    "channel",
    "journey",
    "segment",
    "step",
    "tone",
    "template",
    "incentive",
    "variant",
    "experiment",
    "invoice_ids",
    "invoice_count",
    "amount_due",
    "currency_code",
    "max_days_past_due",
    "send_at_utc",
    "timezone",
    "language_code",
    "account_owner",
    "reason_customer",
    "reason_now",
    "reason_offer",
    "already_sent",  # handed over by an earlier run of the day: kept as it went, never planned again
]


EVIDENCE_COLUMNS = ["experiment", "segment", "variant", "exposures_matured", "exposures_paid"]
BLOCKED_COLUMNS = [
    "as_of_date",
    "send_day",
    "customer_id",
    "invoice_id",
    "message_id",
    "journey",
    "step",
    "channel",
    "rule",
    "detail",
]


@dataclass
class Book:
    """Everything known at the end of ``as_of``: the dunning book (mart_dunning_book: open invoices
    with profile and scores), contacts (dim_contacts), contact history and dunning blocks."""

    as_of: pd.Timestamp
    invoices: pd.DataFrame
    contacts: pd.DataFrame
    history: pd.DataFrame
    blocks: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["customer_id", "invoice_id", "reason", "until"])
    )
    # What an earlier run of this same day already handed over (sent, being sent, in doubt, or a
    # call assigned), as its plan rows: a re-run keeps those in the day's list as they went and
    # plans nothing else for their customers that day.
    sent_today: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PLAN_COLUMNS))

    @property
    def delivered_today(self) -> dict[str, str]:
        """Message id → customer id of the customer-facing messages among ``sent_today``."""
        facing = self.sent_today[self.sent_today.channel.isin(CUSTOMER_FACING)]
        return dict(zip(facing.message_id, facing.customer_id, strict=True))

    # the latest experiment results before the day, per (experiment, segment, variant): what an
    # adaptive experiment allocates from (mart_experiment_results)
    experiment_evidence: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EVIDENCE_COLUMNS))


@dataclass
class Plan:
    contact_list: pd.DataFrame
    blocked: pd.DataFrame
    # each adaptive experiment's allocation decision per segment (journeys.adaptive)
    allocations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DECISION_COLUMNS))


def done_steps(history: pd.DataFrame) -> set[tuple[str, str, str]]:
    h = history.dropna(subset=["invoice_id", "journey", "step"])
    return set(zip(h.invoice_id, h.journey, h.step, strict=False))


def plan_day(
    book: Book,
    journeys: tuple[Journey, ...],
    policy: Policy,
    experiments: tuple[Experiment, ...] = (),
    partitions: int = 1,
) -> Plan:
    """The day's plan, computed per hash-partition of customers (the same plan whatever
    ``partitions``: engines.spark_compute runs ``plan_partition`` under Spark's applyInPandas)."""
    return merge_plans([plan_partition(part, journeys, policy, experiments) for part in split_book(book, partitions)])


def plan_partition(
    book: Book, journeys: tuple[Journey, ...], policy: Policy, experiments: tuple[Experiment, ...] = ()
) -> Plan:
    """The plan of the customers ``book`` holds. Every rule reads one customer's rows only (its
    invoices, contacts, touches, blocks, today's hand-overs); the one cross-customer input, the
    experiments' evidence, is the day's whole table in every partition, and an allocation is a
    function of it, the experiment, the segment and the day, so each partition decides the same."""
    send_day = send_day_of(book.as_of)
    history = book.history.assign(sent_at=pd.to_datetime(book.history.sent_at, utc=True).dt.tz_localize(None))
    candidates = due_steps(book.invoices, journeys, send_day, done_steps(history))
    invoices = book.invoices.set_index("invoice_id")
    planner = Planner(
        book, policy, experiments, send_day, history, {j.name for j in journeys if j.send_time == "fixed"}
    )
    survivors = planner.invoice_rules(candidates, invoices)
    for key, group in message_groups(survivors, invoices):
        planner.plan_message(key, group, invoices)
    planned = pd.DataFrame(planner.planned, columns=PLAN_COLUMNS).assign(already_sent=False)
    blocked = pd.DataFrame(planner.blocked, columns=BLOCKED_COLUMNS)
    return keep_what_was_sent(Plan(planned, blocked, planner.allocations.decisions()), book.sent_today)


def customer_partition(customer_ids: pd.Series, partitions: int) -> pd.Series:
    """A stable hash-partition per customer (the same on every machine and run, unlike hash())."""
    digest = customer_ids.astype(str).map(lambda c: int.from_bytes(hashlib.sha256(c.encode()).digest()[:8], "big"))
    return (digest % partitions).astype(int)


def split_book(book: Book, partitions: int) -> list[Book]:
    """The book cut into customer partitions that have something to plan (open invoices or
    today's hand-overs); each holds its customers' rows of every per-customer table and the whole
    experiment evidence."""
    per_customer = ("invoices", "contacts", "history", "blocks", "sent_today")
    cut = {name: getattr(book, name) for name in per_customer}
    cut = {name: frame.assign(_part=customer_partition(frame.customer_id, partitions)) for name, frame in cut.items()}
    busy = sorted(set(cut["invoices"]._part) | set(cut["sent_today"]._part))
    return [
        replace(book, **{name: frame[frame._part == p].drop(columns="_part") for name, frame in cut.items()})
        for p in busy
    ]


def merge_plans(plans: list[Plan]) -> Plan:
    """The partitions' plans as one, in an order that does not depend on the partitioning: by
    customer (each customer's rows as planned), allocations by experiment and segment, each
    decided once."""

    def concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
        rows = [f for f in frames if len(f)]
        return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)

    planned = concat([p.contact_list for p in plans], [*PLAN_COLUMNS])
    blocked = concat([p.blocked for p in plans], BLOCKED_COLUMNS)
    decided = concat([p.allocations for p in plans], DECISION_COLUMNS)
    return Plan(
        planned.sort_values("customer_id", kind="stable").reset_index(drop=True),
        blocked.sort_values(["customer_id", "invoice_id"], kind="stable").reset_index(drop=True),
        decided.drop_duplicates(["experiment", "segment", "variant"])
        .sort_values(["experiment", "segment"], kind="stable")
        .reset_index(drop=True),
    )


def keep_what_was_sent(plan: Plan, sent: pd.DataFrame) -> Plan:
    """The day's list is the record of what the day did: a message an earlier run of the day
    handed over stays in it as it went (its invoices, time and reasons), marked already sent,
    whatever a re-plan on changed data (new scores, the ERP's record of the send) would choose
    now; a rule's verdict on it is dropped, since it went."""
    if sent.empty:
        return plan
    kept = sent.reindex(columns=PLAN_COLUMNS).assign(already_sent=True)
    fresh = plan.contact_list[~plan.contact_list.message_id.isin(kept.message_id)]
    rows = pd.concat([fresh, kept], ignore_index=True) if len(fresh) else kept
    # in the plan's order (a re-run on the same data lists the same rows the same way), the rest after
    order = {m: rank for rank, m in enumerate(dict.fromkeys([*plan.contact_list.message_id, *kept.message_id]))}
    rows = rows.sort_values("message_id", key=lambda ids: ids.map(order), kind="stable").reset_index(drop=True)
    blocked = plan.blocked[~plan.blocked.message_id.isin(kept.message_id)].reset_index(drop=True)
    return Plan(rows, blocked, plan.allocations)


def blocked_summary(blocked: pd.DataFrame) -> dict[str, int]:
    """Blocked sends per rule, most frequent first (for run metadata and reports)."""
    return blocked.groupby("rule").size().sort_values(ascending=False).to_dict() if len(blocked) else {}
