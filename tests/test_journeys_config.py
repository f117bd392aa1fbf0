"""The journeys file a credit manager edits: every mistake is named with its journey and field
before anything is planned, and the built-in configuration holds the journeys the team expects."""

from __future__ import annotations

import pytest

from journeys import catalog

JOURNEYS = catalog.load_journeys()


@pytest.mark.parametrize(
    "broken_yaml, message",
    [
        ("journeys:\n  x:\n    segment: promised\n    applies_when: 'True'\n    steps: []\n", "segment 'promised'"),
        (
            "journeys:\n  x:\n    segment: standard\n    applies_when: 'no_such_column > 1'\n    steps: []\n",
            "no_such_column",
        ),
        (
            "journeys:\n  x:\n    segment: standard\n    applies_when: 'True'\n    steps:\n"
            "      - {name: a, offset_days: 3, channel: fax, tone: friendly, template: reminder}\n",
            "channel 'fax'",
        ),
        (
            "journeys:\n  x:\n    segment: standard\n    applies_when: 'True'\n    steps:\n"
            "      - {name: a, offset_days: 3, channel: email, tone: friendly, template: nope}\n",
            "template 'nope'",
        ),
        (
            "journeys:\n  x:\n    segment: standard\n    applies_when: 'True'\n    steps:\n"
            "      - {name: a, offset_days: 9, channel: email, tone: friendly, template: reminder}\n"
            "      - {name: b, offset_days: 3, channel: email, tone: friendly, template: reminder}\n",
            "increasing",
        ),
    ],
)
def test_a_broken_journey_file_names_the_journey_and_the_problem(tmp_path, broken_yaml, message):
    path = tmp_path / "journeys.yaml"
    path.write_text(broken_yaml)
    with pytest.raises(catalog.ConfigError, match="journey x") as err:
        catalog.load_journeys(path)
    assert message in str(err.value)


def test_the_built_in_configuration_has_the_journeys_the_team_expects():
    names = {j.name for j in JOURNEYS}
    assert {
        "white_glove",
        "standard",
        "at_risk",
        "high_risk",
        "likely_self_cure",
        "disputed",
        "promise_to_pay",
        "payment_plan",
    } <= names
    for journey in JOURNEYS:
        firm = [s for s in journey.steps if s.tone in ("firm", "final") and s.channel == "email"]
        assert all(s.touchpoint == "account_owner" for s in firm), journey.name
