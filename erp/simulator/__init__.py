"""A deterministic simulated company with causal ground truth: the embedded default data and the
test bed that proves every model claim."""

from erp.simulator.world import SimulationConfig, World

__all__ = ["SimulationConfig", "World"]
