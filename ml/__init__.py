"""Models of Relance, one module per model with the same shape — features, train, evaluate,
register, score — on shared pieces: point-in-time customer history (history.py), time-ordered
evaluation against named baselines (evaluation.py), MLflow tracking and champion/challenger
promotion by alias (registry.py), drift monitoring (drift.py)."""
