"""Promotion gates read from ml/config/gates.yaml: what a challenger must beat, by how much, to
become champion. Kept in configuration so a threshold change is reviewed as one, not hidden in
training code; decided by one pure function so both outcomes are unit-tested."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

GATES_FILE = Path(__file__).parent / "config" / "gates.yaml"


@dataclass(frozen=True)
class Gate:
    metric: str
    direction: str  # "lower" or "higher" is better
    baseline: str
    margin: float  # relative: the share of the baseline's value the challenger must improve by
    must_beat_champion: bool

    def __post_init__(self):
        if self.direction not in ("lower", "higher"):
            raise ValueError(f"gate on {self.metric}: direction must be 'lower' or 'higher', not {self.direction!r}")

    def better(self, value: float, reference: float, margin: float = 0.0) -> bool:
        """``value`` beats ``reference`` by at least ``margin`` × |reference| (NaN never does)."""
        if math.isnan(value) or math.isnan(reference):
            return False
        gain = reference - value if self.direction == "lower" else value - reference
        return gain > 0 and gain >= margin * abs(reference)


def load(model_name: str, path: Path = GATES_FILE) -> list[Gate]:
    config = yaml.safe_load(path.read_text()) or {}
    if model_name not in config:
        raise KeyError(f"no promotion gates for {model_name} in {path}: every model needs at least one")
    return [Gate(**gate) for gate in config[model_name]]


def decide(gates: list[Gate], metrics: dict[str, float], champion: dict[str, float] | None) -> dict:
    """Whether the challenger with ``metrics`` is promoted over the champion (its metrics on
    the same test rows, None when there is none or it cannot be evaluated), and why."""
    checks = []
    for gate in gates:
        value = float(metrics[gate.metric])
        baseline = float(metrics[f"baseline_{gate.baseline}_{gate.metric}"])
        check = asdict(gate) | {
            "challenger": value,
            "baseline_value": baseline,
            "beats_baseline": gate.better(value, baseline, gate.margin),
        }
        if gate.must_beat_champion and champion is not None:
            check |= {
                "champion": float(champion[gate.metric]),
                "beats_champion": gate.better(value, float(champion[gate.metric])),
            }
        checks.append(check)
    beats_baseline = all(c["beats_baseline"] for c in checks)
    beats_champion = all(c.get("beats_champion", True) for c in checks)
    return {
        "promoted": beats_baseline and beats_champion,
        "beats_baseline": beats_baseline,
        "beats_champion": beats_champion,
        "gates": checks,
    }
