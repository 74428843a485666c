"""The registry (domain/policy/registry.py): every plan item's module is listed, each
programme and standard is declared once and completely, and a fictitious module listed
for a block is gone after it."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from domain.policy import registry
from domain.policy.base import CATEGORY, GRANT, Programme
from domain.policy.registry import MODULES, ORDER, PROGRAMME_ORDER, REGISTRY, Registry
from domain.standards import KEYS, seeds
from tests.fixtures.policy import s33_heating_subsidy

POLICY = Path(registry.__file__).parent


def test_every_plan_item_module_is_listed():
    """A module under domain/policy/ named after a plan item and left out of MODULES
    would declare programmes the ledger never sees."""
    listed = {m.__name__ for m in MODULES}
    for path in sorted(POLICY.glob("s[0-9][0-9]_*.py")):
        name = f"domain.policy.{path.stem}"
        assert name in listed, f"{name} is not in MODULES"
        assert importlib.import_module(name).__doc__.startswith("Plan §"), name


@pytest.mark.parametrize("programme", list(REGISTRY), ids=lambda p: p.name)
def test_each_programme_is_declared_completely(programme: Programme):
    """Its kind, level, words and plan item; its module is its plan item's; a monthly
    programme's amount uses declared standards only."""
    module = type(programme).__module__.rsplit(".", 1)[-1]
    assert programme.plan_item == f"§{int(module[1:3])}"
    assert programme.title and programme.title_zh
    assert programme.kind in (CATEGORY, GRANT) or programme.pays_monthly
    assert set(programme.amount_keys or ()) <= set(KEYS)
    if programme.kind is GRANT:
        assert not programme.pays_monthly


def test_each_default_says_seed_or_param():
    """A SEED is a figure the plan states; a PARAM is a placeholder for the bureau, and
    its basis says so (docs/STANDARDS.md lists them)."""
    for seed in seeds():
        assert seed.basis.startswith("PARAM" if seed.placeholder else "SEED"), seed


def test_the_seed_order_is_fixed():
    """A new city stream numbers its seed versions alike on every ledger: the order is
    ORDER (new keys after it), so 330400/v1 is the dibao standard's PARAM 13,800."""
    keys = [s.key for s in seeds()]
    assert keys[:2] == ["dibao_standard_annual", "dibao_standard_annual"]
    assert list(KEYS)[: len(ORDER)] == list(ORDER)
    assert REGISTRY.names()[: len(PROGRAMME_ORDER)] == PROGRAMME_ORDER


def test_a_module_listed_for_a_block_is_gone_after_it():
    with REGISTRY.extended(s33_heating_subsidy):
        assert REGISTRY["heating_subsidy"].plan_item == "§33"
        assert "heating_subsidy_monthly" in KEYS
    assert "heating_subsidy" not in REGISTRY
    assert "heating_subsidy_monthly" not in KEYS


def test_a_name_declared_twice_is_refused():
    with pytest.raises(ValueError, match="declared twice"):
        Registry([*MODULES, MODULES[0]])
