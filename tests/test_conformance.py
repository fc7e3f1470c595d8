"""Every conformance case beside every rule set (criteria/*/cases/*.yaml) must hold."""

import pytest

from rulebook import default_registry
from rulebook.conformance import check_case, load_cases

REGISTRY = default_registry()
CASES = load_cases(REGISTRY)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule_set}:{c.file.stem}:{c.name}" for c in CASES])
def test_case(case):
    problems = check_case(case, REGISTRY)
    assert not problems, f"{case.file.name} — {case.name}:\n" + "\n".join(problems)


def test_every_rule_set_has_cases():
    with_cases = {c.rule_set for c in CASES}
    assert set(REGISTRY.ids()) <= with_cases, (
        f"rule sets without conformance cases: {set(REGISTRY.ids()) - with_cases}"
    )
