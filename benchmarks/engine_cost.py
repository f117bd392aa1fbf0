"""A cost model for building the marts, derived from measured `dbt run` times (benchmarks/engines.py).

Each engine's time is fitted as ``fixed + per_invoice × invoices`` over worlds of different
sizes. The fixed part is what an engine pays whatever the data: on Spark, seconds of scheduling
per statement. The per-invoice part is the work.

On a cluster the per-invoice part is assumed to spread evenly over the cores: measured on
``measured_cores``, it takes ``measured_cores / cores`` of the time on ``cores``. The fixed part
stays the same. That is Amdahl's law with the fixed part as the serial fraction, so the projected
time is a lower bound: shuffles and stragglers only add to it. The price is cores × hours × a
price per core-hour the caller states (cloud list prices change; none is built in).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Fit:
    """``seconds ≈ fixed + per_million × invoices / 1e6`` on ``cores`` cores."""

    fixed: float
    per_million: float
    cores: int

    def seconds(self, invoices: float, cores: int | None = None) -> float:
        """Projected seconds for ``invoices`` on ``cores`` (default: the measured machine's)."""
        share = self.cores / (cores or self.cores)
        return self.fixed + self.per_million * invoices / 1e6 * share

    def cost(self, invoices: float, cores: int, price_per_core_hour: float) -> float:
        """What one build costs on ``cores`` cores billed while it runs."""
        return self.seconds(invoices, cores) / 3600 * cores * price_per_core_hour


def fit(invoices: list[float], seconds: list[float], cores: int) -> Fit:
    """Least-squares line through the measured (invoices, seconds) points; needs two sizes. A
    negative slope or intercept (noise on a loaded machine) is clipped to zero, never extrapolated."""
    if len(set(invoices)) < 2:
        raise ValueError("a cost model needs builds of at least two world sizes")
    slope, intercept = np.polyfit(np.asarray(invoices, dtype=float) / 1e6, np.asarray(seconds, dtype=float), 1)
    return Fit(fixed=max(float(intercept), 0.0), per_million=max(float(slope), 0.0), cores=cores)


def cheapest_cores(
    model: Fit, invoices: float, deadline_seconds: float, choices=(2, 4, 8, 16, 32, 64, 128)
) -> int | None:
    """The fewest cores that build ``invoices`` within the deadline, or None if none can (the
    fixed part alone is over it)."""
    return next((cores for cores in choices if model.seconds(invoices, cores) <= deadline_seconds), None)
