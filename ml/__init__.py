"""Models of Relance. Each model is an ml.spec.ModelSpec (ml.payment_delay, ml.self_cure, listed
in ml.specs); what they share is written once: point-in-time customer history (history.py),
the time-ordered train-evaluate-register-promote routine (training.py), promotion gates from
config/gates.yaml (gates.py), MLflow tracking and aliases (registry.py), signature-enforced
pyfunc scoring (scoring.py) and drift monitoring of every model (drift.py)."""
