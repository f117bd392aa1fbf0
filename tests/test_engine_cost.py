"""The engines' cost model (benchmarks/engine_cost.py): the line fitted through measured builds,
and its projection onto a cluster."""

import pytest

from benchmarks.engine_cost import Fit, cheapest_cores, fit


def test_the_fit_recovers_a_planted_fixed_cost_and_cost_per_invoice():
    invoices = [10_000, 40_000, 160_000]
    seconds = [30 + 500 * n / 1e6 for n in invoices]  # 30 s of scheduling, 500 s per million
    model = fit(invoices, seconds, cores=2)
    assert model.fixed == pytest.approx(30) and model.per_million == pytest.approx(500)


def test_one_size_is_refused_and_noise_never_gives_a_negative_cost():
    with pytest.raises(ValueError, match="two world sizes"):
        fit([10_000, 10_000], [30.0, 31.0], cores=2)
    noisy = fit([10_000, 20_000], [40.0, 35.0], cores=2)  # a loaded machine made the bigger build faster
    assert noisy.per_million == 0 and noisy.fixed > 0


def test_more_cores_shrink_only_the_per_invoice_part_and_bill_every_core():
    model = Fit(fixed=60, per_million=400, cores=2)
    assert model.seconds(2_000_000) == 860
    assert model.seconds(2_000_000, cores=8) == 60 + 800 / 4
    assert model.cost(2_000_000, cores=8, price_per_core_hour=0.05) == pytest.approx(260 / 3600 * 8 * 0.05)


def test_the_cheapest_cluster_is_the_fewest_cores_within_the_deadline():
    model = Fit(fixed=60, per_million=400, cores=2)
    assert cheapest_cores(model, 2_000_000, deadline_seconds=300) == 8  # 4 cores: 460 s, 8 cores: 260 s
    assert cheapest_cores(model, 2_000_000, deadline_seconds=50) is None  # the fixed part alone is over it
