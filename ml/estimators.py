"""Estimators shaped for ml.spec: ``predict(X)`` returns a DataFrame of named outputs, which is
what the pyfunc flavour hands to scoring (and what the logged output signature describes)."""

from __future__ import annotations

import pandas as pd
from sklearn.base import BaseEstimator, clone

from ml.history import FillEmptyColumns


class ProbabilityModel(BaseEstimator):
    """A binary classifier whose predict is P(positive) in the column ``output``, after
    FillEmptyColumns (features missing in every training row become 0)."""

    def __init__(self, classifier=None, output: str = "p"):
        self.classifier = classifier
        self.output = output

    def fit(self, X: pd.DataFrame, y: pd.Series):
        self.fill_ = FillEmptyColumns().fit(X)
        self.classifier_ = clone(self.classifier).fit(self.fill_.transform(X), y)
        self.feature_names_in_ = self.fill_.feature_names_in_
        return self

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        p = self.classifier_.predict_proba(self.fill_.transform(X))[:, 1]
        return pd.DataFrame({self.output: p}, index=X.index)
