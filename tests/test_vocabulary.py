"""One vocabulary of segments, channels, tones and incentives (erp/vocabulary.yaml):
the dbt seed is generated from it and current, the 360's segment rule, the journeys, the ERP
contract and the templates' labels all use its words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from erp import contract, vocabulary
from journeys import catalog

DBT = Path(__file__).resolve().parents[1] / "dbt_project"


def test_the_dbt_seed_is_generated_from_the_vocabulary_and_current():
    assert vocabulary.SEED.read_text() == vocabulary.seed_csv(), "run `python -m erp.vocabulary`"
    kinds = {line.split(",")[0] for line in vocabulary.seed_csv().splitlines()[1:]}
    assert kinds == {"segment", "channel", "tone", "incentive"}


def test_the_360s_segment_rule_names_only_vocabulary_segments():
    sql = (DBT / "models" / "marts" / "dim_customer_360.sql").read_text()
    rule = sql[sql.index("case\n            when open_disputes") : sql.index("end as segment")]
    named = set(re.findall(r"then '(\w+)'", rule)) | set(re.findall(r"else '(\w+)'", rule))
    assert named <= set(vocabulary.SEGMENTS) and {"promise_to_pay", "standard"} <= named


def test_journeys_erp_contract_and_dbt_tests_share_the_words():
    segments = {j.segment for j in catalog.load_journeys()}
    assert segments <= set(vocabulary.SEGMENTS) and "promise_to_pay" in segments
    assert (contract.TONES, contract.INCENTIVES) == (vocabulary.TONES, vocabulary.INCENTIVES)
    assert set(contract.CHANNELS) == set(vocabulary.CUSTOMER_FACING) and "task" not in contract.CHANNELS
    marts = yaml.safe_load((DBT / "models" / "marts" / "_marts.yml").read_text())
    segment = next(
        c for m in marts["models"] if m["name"] == "dim_customer_360" for c in m["columns"] if c["name"] == "segment"
    )
    assert {"in_vocabulary": {"arguments": {"kind": "segment"}}} in segment["data_tests"]


def test_tones_rank_mildest_first_and_channels_plan_email_first():
    assert vocabulary.TONE_RANK["friendly"] < vocabulary.TONE_RANK["neutral"] < vocabulary.TONE_RANK["final"]
    assert set(vocabulary.FIRM_TONES) == {"firm", "final"}
    assert vocabulary.CHANNEL_ORDER["email"] < vocabulary.CHANNEL_ORDER["call"] < vocabulary.CHANNEL_ORDER["task"]


def test_a_template_language_without_a_sentence_for_an_incentive_is_refused(tmp_path, monkeypatch):
    for lang in catalog.languages():
        (tmp_path / lang.name).mkdir()
        labels = yaml.safe_load((lang / "labels.yaml").read_text())
        if lang.name == "fr":
            labels["incentives"].pop("payment_plan")
        (tmp_path / lang.name / "labels.yaml").write_text(yaml.safe_dump(labels, allow_unicode=True))
    catalog.check_labels()  # the shipped templates are complete
    monkeypatch.setattr(catalog, "TEMPLATE_DIR", tmp_path)
    with pytest.raises(catalog.ConfigError, match="fr/labels.yaml"):
        catalog.check_labels()
