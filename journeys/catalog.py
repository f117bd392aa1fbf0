"""Journeys, policy profiles, experiments and branding, read from YAML and validated.

Configuration is what a credit manager edits, so every mistake is reported with the file, the
journey, the step and the field it concerns, before anything is scheduled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from erp.vocabulary import INCENTIVES, JOURNEY_CHANNELS, SEGMENTS, STEP_INCENTIVES, TONES
from journeys.experiments import Experiment, experiment_from

CONFIG_DIR = Path(__file__).resolve().parent / "config"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

ANCHORS = ("due_date", "promise_date")
# "personal": the customer's best or habitual reading hour when known; "fixed": the policy's
# default hour for everyone (what an ERP's dunning run does).
SEND_TIMES = ("personal", "fixed")
TOUCHPOINTS = (None, "account_owner")

# The row a journey condition sees: one open invoice with its customer's profile and scores.
INVOICE_COLUMNS = {
    "invoice_id": "object",
    "customer_id": "object",
    "currency_code": "object",
    "issue_date": "datetime64[ns]",
    "due_date": "datetime64[ns]",
    "po_number": "object",
    "invoice_amount": "float",
    "paid_amount": "float",
    "open_amount": "float",
    "days_past_due": "int",
    "is_in_dispute": "bool",
    "dispute_reason": "object",
    "dispute_source": "object",
    "has_active_promise": "bool",
    "has_payment_plan_request": "bool",
    "promise_date": "datetime64[ns]",
    "promise_broken": "bool",
    "days_since_promise": "float",
    "segment": "object",
    "payment_delay_risk": "float",
    "self_cure_probability": "float",
    "late_share_365d": "float",
    "self_cure_share_365d": "float",
    "avg_days_late_365d": "float",
    "days_late_trend": "float",
    "open_balance": "float",
    "overdue_balance": "float",
    "max_days_past_due": "int",
    "best_send_hour": "float",
    "most_frequent_open_hour": "float",
    "dominant_method_90d": "object",
    "best_incentive": "object",
    "p50_days_late": "float",
    "p_late_30": "float",
    "is_quarantined": "bool",
    "quarantine_reason": "object",
    "has_behaviour_alert": "bool",
    "alert_types": "object",
}


class ConfigError(ValueError):
    """A journey, policy or experiment file that cannot be used, with where and why."""


@dataclass(frozen=True)
class Step:
    name: str
    offset_days: int
    channel: str
    tone: str
    template: str
    incentive: str = "none"
    when: str | None = None
    touchpoint: str | None = None


@dataclass(frozen=True)
class Journey:
    name: str
    segment: str
    description: str
    applies_when: str
    steps: tuple[Step, ...]
    anchor: str = "due_date"
    send_time: str = "personal"


@dataclass(frozen=True)
class Policy:
    name: str
    description: str
    min_days_between_reminders: int
    spacing_until_dpd: int
    firm_tone_from_dpd: int
    days_after_invoice_email: int
    weekly_cap: int
    window_start_minute: int
    window_end_minute: int
    weekends_off: bool
    public_holidays_off: bool
    owner_notice_days: int
    max_calls_per_debt_7d: int | None
    letters_when_no_email: bool = True  # policy.yaml says why
    letters_after_opt_out: bool = False


def languages() -> list[Path]:
    """The template folders, one per language (ISO 639-1 name)."""
    return sorted(p for p in TEMPLATE_DIR.iterdir() if p.is_dir())


def _read(path: Path) -> dict:
    try:
        content = yaml.safe_load(path.read_text())
    except FileNotFoundError as err:
        raise ConfigError(f"{path}: file not found") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from err
    if not isinstance(content, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return content


def matches(frame: pd.DataFrame, expression: str) -> pd.Series:
    """Rows of ``frame`` for which a condition holds (a constant such as "True" holds for all)."""
    result = frame.eval(expression)
    if not isinstance(result, pd.Series):
        result = pd.Series(bool(result), index=frame.index)
    if result.dtype != bool:
        raise TypeError(f"the condition gives {result.dtype} values, not true / false")
    return result


def check_condition(expression: str, where: str) -> None:
    """A condition must be a pandas expression over INVOICE_COLUMNS that yields booleans."""
    probe = pd.DataFrame(
        {c: pd.Series([None], dtype=t) if t != "int" else pd.Series([0]) for c, t in INVOICE_COLUMNS.items()}
    )
    try:
        matches(probe, expression)
    except Exception as err:  # undefined names, syntax errors, non-boolean results
        raise ConfigError(
            f"{where}: condition {expression!r} cannot be evaluated: {err}. Known columns: {', '.join(INVOICE_COLUMNS)}"
        ) from err


def _choice(value, allowed, where: str, name: str):
    if value not in allowed:
        raise ConfigError(f"{where}: {name} {value!r} is not one of {', '.join(map(str, allowed))}")
    return value


def _step(raw: dict, where: str, templates: set[str]) -> Step:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: a step must be a mapping")
    unknown = set(raw) - set(Step.__dataclass_fields__)
    missing = {"name", "offset_days", "channel", "tone", "template"} - set(raw)
    if unknown or missing:
        raise ConfigError(
            f"{where}: "
            + "; ".join(
                ([f"unknown field(s) {', '.join(sorted(unknown))}"] if unknown else [])
                + ([f"missing field(s) {', '.join(sorted(missing))}"] if missing else [])
            )
        )
    where = f"{where} ({raw['name']})"
    if not isinstance(raw["offset_days"], int):
        raise ConfigError(f"{where}: offset_days must be a whole number of days, got {raw['offset_days']!r}")
    _choice(raw["channel"], JOURNEY_CHANNELS, where, "channel")
    _choice(raw["tone"], TONES, where, "tone")
    _choice(raw.get("incentive", "none"), STEP_INCENTIVES, where, "incentive")
    _choice(raw.get("touchpoint"), TOUCHPOINTS, where, "touchpoint")
    if raw["channel"] == "email" and raw["template"] not in templates:
        raise ConfigError(f"{where}: no e-mail template {raw['template']!r} in every language folder of {TEMPLATE_DIR}")
    if raw.get("when"):
        check_condition(raw["when"], where)
    return Step(**raw)


def check_labels() -> None:
    """Every language's labels.yaml words every incentive a message can carry, and no other."""
    for lang in languages():
        offered = set(_read(lang / "labels.yaml").get("incentives") or {})
        if offered != set(INCENTIVES) - {"none"}:
            raise ConfigError(
                f"{lang / 'labels.yaml'}: incentives {sorted(offered)} do not match the vocabulary's "
                f"{sorted(set(INCENTIVES) - {'none'})} (erp/vocabulary.yaml)"
            )


def load_journeys(path: Path = CONFIG_DIR / "journeys.yaml") -> tuple[Journey, ...]:
    """The journeys in priority order (the first that applies to an invoice wins)."""
    content = _read(path)
    check_labels()
    templates = set.intersection(*({p.stem for p in lang.glob("*.j2")} for lang in languages()))
    journeys = []
    for name, raw in (content.get("journeys") or {}).items():
        where = f"{path.name}: journey {name}"
        for key in ("segment", "applies_when", "steps"):
            if key not in raw:
                raise ConfigError(f"{where}: missing field {key}")
        _choice(raw["segment"], SEGMENTS, where, "segment")
        check_condition(raw["applies_when"], where)
        steps = tuple(_step(s, f"{where}, step {i + 1}", templates) for i, s in enumerate(raw["steps"]))
        offsets = [s.offset_days for s in steps]
        if offsets != sorted(offsets) or len(set(offsets)) != len(offsets):
            raise ConfigError(f"{where}: steps must have strictly increasing offset_days, got {offsets}")
        journeys.append(
            Journey(
                name=name,
                segment=raw["segment"],
                description=str(raw.get("description", "")),
                applies_when=raw["applies_when"],
                steps=steps,
                anchor=_choice(raw.get("anchor", "due_date"), ANCHORS, where, "anchor"),
                send_time=_choice(raw.get("send_time", "personal"), SEND_TIMES, where, "send_time"),
            )
        )
    if not journeys:
        raise ConfigError(f"{path}: no journeys defined")
    return tuple(journeys)


def _minutes(value: str, where: str) -> int:
    try:
        hours, minutes = (int(part) for part in str(value).split(":"))
    except ValueError as err:
        raise ConfigError(f"{where}: time {value!r} must be HH:MM") from err
    return hours * 60 + minutes


def load_policy(name: str = "b2b", path: Path = CONFIG_DIR / "policy.yaml") -> Policy:
    profiles = _read(path).get("profiles") or {}
    if name not in profiles:
        raise ConfigError(f"{path.name}: no policy profile {name!r} (profiles: {', '.join(profiles)})")
    raw = dict(profiles[name])
    where = f"{path.name}: profile {name}"
    window = raw.pop("send_window", None) or {}
    try:
        policy = Policy(
            name=name,
            description=str(raw.pop("description", "")),
            window_start_minute=_minutes(window.get("start"), where),
            window_end_minute=_minutes(window.get("end"), where),
            **raw,
        )
    except TypeError as err:
        raise ConfigError(f"{where}: {err}") from err
    if not 0 <= policy.window_start_minute < policy.window_end_minute <= 24 * 60:
        raise ConfigError(f"{where}: send_window must start before it ends within one day")
    return policy


def load_experiments(path: Path = CONFIG_DIR / "experiments.yaml") -> tuple[Experiment, ...]:
    experiments = []
    for name, raw in (_read(path).get("experiments") or {}).items():
        try:
            experiments.append(experiment_from(name, raw))
        except (TypeError, ValueError) as err:
            raise ConfigError(f"{path.name}: experiment {name}: {err}") from err
    return tuple(experiments)


def load_branding(path: Path = CONFIG_DIR / "branding.yaml", overrides: Mapping[str, str] | None = None) -> dict:
    """Branding from the file, each key overridable by a deployment (``overrides``, e.g. from
    RELANCE_BRAND_<KEY>); an override of a whole-number key is read as a number."""
    brand = _read(path)
    for key, override in (overrides or {}).items():
        if key in brand:
            brand[key] = type(brand[key])(override) if isinstance(brand[key], int) else override
    return brand
