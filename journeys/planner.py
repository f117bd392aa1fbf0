"""The planner's rules, message by message: which invoices of a customer go in one message, what
each message is (journey step, tone, offer, send hour) and whether a contact rule stops it, with
the reason recorded either way. ``journeys.contact_list.plan_day`` drives it for a whole day."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pandas as pd

from erp.vocabulary import CHANNEL_ORDER, CUSTOMER_FACING, FIRM_TONES, TONE_RANK
from journeys import experiments as exp
from journeys import policy as rules
from journeys.catalog import Policy
from journeys.offers import offer_for, preferred_hour, why_customer
from journeys.schedule import not_before, slot_for
from journeys.touches import RecentTouches

if TYPE_CHECKING:  # the book is contact_list's, which drives this module
    from journeys.contact_list import Book

ONE_TOUCH_DETAIL = "another message to this customer is planned for the same day"
INTERNAL_TASKS = ("dispute_routing", "payment_plan_review", "owner_notice")  # internal work: no block stops it


def message_id(customer_id: str, send_day: pd.Timestamp, journey: str, step: str, channel: str, currency: str) -> str:
    """Deterministic per (customer, day, step): a re-run plans the same ids, so the outbox can
    never hold the same message twice."""
    key = f"{customer_id}|{send_day:%Y-%m-%d}|{journey}|{step}|{channel}|{currency}"
    return "rl-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def message_groups(candidates: pd.DataFrame, invoices: pd.DataFrame):
    """One message per customer, channel and currency; one task per customer and task step.
    E-mails are planned before calls so that a call the same day counts against the caps."""
    if candidates.empty:
        return []
    c = candidates.assign(
        currency_code=invoices.currency_code.reindex(candidates.invoice_id).to_numpy(),
        _order=candidates.channel.map(CHANNEL_ORDER),
    )
    c["_task"] = c.step.where(c.channel == "task", "")
    c = c.sort_values(["customer_id", "_order", "currency_code", "_task", "invoice_id"], kind="stable")
    return c.groupby(["customer_id", "_order", "currency_code", "_task"], sort=False)


class Planner:
    """Applies the rules message by message, remembering what it planned so far today."""

    def __init__(
        self,
        book: Book,
        policy: Policy,
        experiments,
        send_day: pd.Timestamp,
        history: pd.DataFrame,
        fixed_hour_journeys: set[str],
    ):
        self.book, self.policy, self.experiments, self.send_day = book, policy, experiments, send_day
        self.fixed_hour_journeys = fixed_hour_journeys  # at the default hour
        self.touches = RecentTouches(history, send_day)
        self.not_before = not_before(send_day)
        self.customer_blocks, self.invoice_blocks = rules.active_blocks(book.blocks, send_day)
        self.emailable = rules.reachable_contact(book.contacts)
        self.callable = rules.reachable_contact(book.contacts, channel="call")
        self.asked_to_stop = set() if policy.letters_after_opt_out else rules.asked_to_stop(book.contacts)
        self.planned: list[dict] = []
        self.planned_ids: set[str] = set()  # message ids in self.planned: one lookup per owner notice
        self.blocked: list[dict] = []
        self.planned_touches: dict[str, list[pd.Timestamp]] = {}
        self.delivered_today = book.delivered_today  # by an earlier run of this day
        self.reached_today = set(self.delivered_today.values())
        self.allocations = exp.DayAllocations(book.experiment_evidence, book.as_of, send_day)

    # -------------------------------------------------------------- invoice rules
    def invoice_rules(self, candidates: pd.DataFrame, invoices: pd.DataFrame) -> pd.DataFrame:
        keep = []
        for cand in candidates.itertuples(index=False):
            verdict = (
                None
                if cand.template in INTERNAL_TASKS
                else rules.invoice_rule(
                    invoices.loc[cand.invoice_id],
                    cand.invoice_id,
                    cand.channel,
                    self.policy,
                    self.send_day,
                    self.invoice_blocks,
                    self.touches.calls_7d,
                )
            )
            if verdict:
                self._block(cand.customer_id, cand.invoice_id, None, cand.journey, cand.step, cand.channel, *verdict)
            else:
                keep.append(cand)
        return pd.DataFrame(keep, columns=candidates.columns)

    # -------------------------------------------------------------- message rules
    def plan_message(self, key, group: pd.DataFrame, invoices: pd.DataFrame) -> None:
        customer_id, _, currency, _ = key
        lead = group.assign(_rank=group.tone.map(TONE_RANK)).sort_values(["_rank", "offset_days"]).iloc[-1]
        inv = invoices.loc[group.invoice_id]
        first = inv.iloc[0]
        max_dpd = int((self.send_day - inv.due_date).dt.days.max())
        msg = {
            "as_of_date": self.book.as_of.normalize(),
            "send_day": self.send_day,
            "customer_id": customer_id,
            "channel": lead.channel,
            "journey": lead.journey,
            "segment": lead.segment,
            "step": lead.step,
            "tone": lead.tone,
            "template": lead.template,
            "incentive": "none",
            "variant": None,
            "experiment": None,
            "invoice_ids": list(group.invoice_id),
            "invoice_count": len(group),
            "amount_due": round(float(inv.open_amount.sum()), 2),
            "currency_code": currency,
            "max_days_past_due": max_dpd,
            "timezone": first.timezone,
            "language_code": first.language_code,
            "account_owner": first.account_owner,
            "contact_id": None,
        }
        msg["message_id"] = message_id(customer_id, self.send_day, lead.journey, lead.step, lead.channel, currency)
        msg["incentive"], msg["reason_offer"] = offer_for(lead.incentive, first)
        msg["reason_customer"] = why_customer(lead, first)
        msg["reason_now"] = (
            f"{lead.step} due {lead.days_from_anchor} days from the "
            f"{'promised date' if lead.journey == 'promise_to_pay' else 'due date'}; "
            f"{len(group)} invoice(s), up to {max_dpd} days past due"
        )
        if lead.channel == "task":
            return self._plan_task(msg, group)
        if msg["tone"] in FIRM_TONES and not rules.firm_tone_allowed(self.policy, max_dpd):
            msg["tone"], msg["template"] = "neutral", "reminder" if lead.channel == "email" else lead.template
            msg["reason_now"] += f"; tone capped to neutral before {self.policy.firm_tone_from_dpd} days past due"
        verdict = self._message_rule(msg, lead)
        if verdict:
            return self._block_message(msg, group, *verdict)
        hour, hour_reason = preferred_hour(first if lead.journey not in self.fixed_hour_journeys else {})
        slot = slot_for(self.policy, msg["timezone"], first.country_code, self.not_before, hour, msg["message_id"])
        if slot.blocked_by:
            return self._block_message(msg, group, slot.blocked_by, slot.detail)
        msg["send_at_utc"] = pd.Timestamp(slot.send_at_utc).tz_localize(None)
        msg["reason_now"] += f"; sent {hour_reason}"
        if msg["channel"] == "email" and self._held_out(msg):
            return self._block_message(
                msg | {"action": "hold_out"},
                group,
                "experiment_holdout",
                f"{msg['experiment']}: holdout arm",
                keep_in_list=True,
            )
        # What an earlier run of the day sent stops only a message that would go: a re-run then
        # records the first run's reason for one any other rule blocks (the first run judged it
        # before planning what it sent), and still never reaches a customer twice in a day.
        if msg["message_id"] not in self.delivered_today and msg["customer_id"] in self.reached_today:
            return self._block_message(msg, group, "one_touch_per_day", ONE_TOUCH_DETAIL)
        self._accept(msg | {"action": "send"})
        if lead.touchpoint == "account_owner" and msg["tone"] not in FIRM_TONES:
            self._owner_notice(msg, "sent with this step")

    def _message_rule(self, msg: dict, lead) -> tuple[str, str] | None:
        customer_id = msg["customer_id"]
        if customer_id in self.customer_blocks:
            return "customer_block", str(self.customer_blocks[customer_id])
        if msg["channel"] == "email" and customer_id not in self.emailable.index and self._letter_allowed(customer_id):
            self._by_letter(msg)
        contacts = self.emailable if msg["channel"] == "email" else self.callable
        if customer_id in contacts.index:
            msg["contact_id"] = contacts.at[customer_id, "contact_id"]
            contact_zone = contacts.at[customer_id, "timezone"]
            msg["timezone"] = contact_zone if isinstance(contact_zone, str) and contact_zone else msg["timezone"]
        elif msg["channel"] != "letter":  # a letter goes to the customer's postal address
            return "no_reachable_contact", "every contact opted out, unsubscribed, bounced or has no address"
        already_sent = msg["message_id"] in self.delivered_today
        if not already_sent and customer_id in self.planned_touches:
            return "one_touch_per_day", ONE_TOUCH_DETAIL
        touches = self.touches.days(customer_id) + self.planned_touches.get(customer_id, [])
        spacing = self.send_day - pd.Timedelta(days=self.policy.min_days_between_reminders - 1)
        recent = [t for t in touches if t >= spacing]
        if recent and msg["max_days_past_due"] <= self.policy.spacing_until_dpd:
            return "min_spacing", f"last reminder {max(recent):%Y-%m-%d}"
        week = [t for t in touches if t >= self.send_day - pd.Timedelta(days=6)]
        if len(week) >= self.policy.weekly_cap:
            return "weekly_cap", f"{len(week)} touches in the last 7 days"
        if msg["tone"] in FIRM_TONES and not self.touches.owner_told(customer_id, self.policy.owner_notice_days):
            self._owner_notice(msg, f"before the {msg['tone']} message {lead.step}")
            return "owner_notice_pending", "account owner notified today"
        return None

    def _letter_allowed(self, customer_id: str) -> bool:
        return self.policy.letters_when_no_email and customer_id not in self.asked_to_stop

    def _by_letter(self, msg: dict) -> None:
        """The e-mail becomes a printed letter with the same facts (documents/letters.py): no contact
        can be e-mailed, but the customer still owes and every other contact rule still applies."""
        msg["channel"] = "letter"
        msg["message_id"] = message_id(
            msg["customer_id"], self.send_day, msg["journey"], msg["step"], "letter", msg["currency_code"]
        )
        msg["reason_now"] += "; by letter: no contact can be e-mailed"

    def _held_out(self, msg: dict) -> bool:
        experiment = exp.experiment_for(self.experiments, msg["journey"], self.send_day)
        if experiment is None:
            return False
        msg["experiment"] = experiment.name
        msg["variant"] = self.allocations.arm(experiment, msg["customer_id"], msg["segment"])
        return msg["variant"] == exp.HOLDOUT

    # -------------------------------------------------------------- outcomes
    def _plan_task(self, msg: dict, group: pd.DataFrame) -> None:
        if msg["template"] not in INTERNAL_TASKS and msg["customer_id"] in self.customer_blocks:
            return self._block_message(msg, group, "customer_block", str(self.customer_blocks[msg["customer_id"]]))
        self._accept(msg | {"action": "task", "send_at_utc": pd.Timestamp(self.not_before).tz_localize(None)})

    def _owner_notice(self, msg: dict, why: str) -> None:
        notice_id = message_id(
            msg["customer_id"], self.send_day, msg["journey"], "owner_notice", "task", msg["currency_code"]
        )
        if notice_id in self.planned_ids:
            return
        self._add(
            msg
            | {
                "message_id": notice_id,
                "action": "task",
                "channel": "task",
                "step": "owner_notice",
                "template": "owner_notice",
                "incentive": "none",
                "variant": None,
                "experiment": None,
                "contact_id": None,
                "send_at_utc": pd.Timestamp(self.not_before).tz_localize(None),
                "reason_now": f"tell the account owner {why}: {msg['reason_now']}",
                "reason_offer": "internal notice",
            }
        )

    def _add(self, msg: dict) -> None:
        self.planned.append(msg)
        self.planned_ids.add(msg["message_id"])

    def _accept(self, msg: dict) -> None:
        self._add(msg)
        if msg["channel"] in CUSTOMER_FACING:
            self.planned_touches.setdefault(msg["customer_id"], []).append(self.send_day)

    def _block_message(
        self, msg: dict, group: pd.DataFrame, rule: str, detail: str, keep_in_list: bool = False
    ) -> None:
        if keep_in_list:
            self._add(msg)
        for invoice_id in group.invoice_id:
            self._block(
                msg["customer_id"],
                invoice_id,
                msg["message_id"],
                msg["journey"],
                msg["step"],
                msg["channel"],
                rule,
                detail,
            )

    def _block(self, customer_id, invoice_id, message, journey, step, channel, rule: str, detail: str) -> None:
        self.blocked.append(
            {
                "as_of_date": self.book.as_of.normalize(),
                "send_day": self.send_day,
                "customer_id": customer_id,
                "invoice_id": invoice_id,
                "message_id": message,
                "journey": journey,
                "step": step,
                "channel": channel,
                "rule": rule,
                "detail": detail,
            }
        )
