"""Best send time per contact (ml.send_time.spec.SPEC): empirical-Bayes hour curves
(curves, model) on each contact's point-in-time e-mail counts (features), judged by evaluate."""

from ml.send_time.spec import SPEC

__all__ = ["SPEC"]
