"""The household ledger on both backends (a real SQLite file, a real PostgreSQL schema).

Every amount is worked out by hand in the test from POLICY.md; figures use the
defaults (dibao 15,000 a year from 2025-01-01, marginal line 1.5 x dibao).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from domain.errors import PolicyRuleError, SeparationOfDutiesError
from domain.household import Household
from domain.money import yuan
from domain.standards import CITY_CODE, Standards, standards_id
from projections.entitlements import TABLES
from tests.helpers import household, id_number, means
from tests.path import app_consents, app_decide, app_walk


def amounts(ledger, hid, on, known_at=None):
    return {
        (f.row.programme, f.row.member_id): f.row.monthly_fen
        for f in ledger.entitlements(hid, on, known_at)
    }


def test_dibao_household_differential_with_rigid_deductions(ledger):
    """§5/§4, example 1: four members, income 24,000 less schooling costs 4,800 = 19,200
    -> 400 per head per month -> (1,250 - 400) x 4 = 3,400.00 a month."""
    hid, _ = household(ledger.app, 4)
    app_id = ledger.app.submit_application(
        hid,
        programme="dibao",
        effective_from=date(2025, 3, 1),
        means=means(24000, 4800),
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, date(2025, 3, 1)),
    )
    result = app_decide(
        ledger.app, hid, app_id, decision="approve", reason="核查属实", actor="approver-wang"
    )
    assert result.category == "dibao"
    assert result.entitlements[0]["monthly_fen"] == (125_000 - 40_000) * 4 == 340_000
    assert amounts(ledger, hid, date(2025, 3, 1)) == {("dibao", None): 340_000}
    assert amounts(ledger, hid, date(2025, 2, 28)) == {}
    determined = next(
        e
        for e in ledger.app.household_events(hid)
        if isinstance(e, Household.ApplicationDetermined)
    )
    assert determined.inputs["countable_income_fen"] == yuan(19200)
    assert determined.inputs["household_size"] == 4
    assert determined.standard_versions["dibao_standard_annual"] == "330400/v3"
    assert "3400.00" in determined.explanation and "§5" in determined.explanation


@pytest.mark.parametrize("condition", ["disabled", "ill"])
def test_marginal_household_member_with_severe_disability_gets_one_person_dibao(ledger, condition):
    """§5/§6, example 5: three members at 54,000 -> 1,500 per head: marginal. The severely
    disabled member (and likewise a severely ill one, §1) is taken into dibao as a
    one-person household at the full 15,000 / 12 = 1,250.00."""
    flagged = {"disabled": (2,)} if condition == "disabled" else {"severe": (2,)}
    hid, members = household(ledger.app, 3, **flagged)
    state = ledger.app.household(hid)
    assert state.members[members[2]].attribute(
        "severe_disability" if condition == "disabled" else "severe_illness", date(2025, 2, 1)
    )
    marginal = ledger.app.submit_application(
        hid,
        programme="marginal",
        effective_from=date(2025, 2, 1),
        means=means(54000),
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, date(2025, 2, 1)),
    )
    outcome = app_decide(
        ledger.app, hid, marginal, decision="approve", reason="ok", actor="approver-wang"
    )
    assert outcome.category == "marginal" and outcome.entitlements == []
    single = ledger.app.submit_application(
        hid,
        programme="dibao_single",
        effective_from=date(2025, 2, 1),
        means=None,
        member_id=members[2],
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, date(2025, 2, 1)),
    )
    app_decide(ledger.app, hid, single, decision="approve", reason="重病", actor="approver-wang")
    assert amounts(ledger, hid, date(2025, 2, 1)) == {("dibao_single", members[2]): 125_000}
    state = ledger.app.household(hid)
    assert sorted(c.category for c in state.categories_on(date(2025, 2, 1))) == [
        "dibao_single",
        "marginal",
    ]


def test_low_income_band_includes_100000_and_refuses_a_fen_more(ledger):
    """§5/§11, example 4: 96,000 and exactly 100,000 for four members are low-income;
    100,000.01 is refused with the rule's reason and records nothing."""
    for income, ok in ((yuan(96000), True), (yuan(100000), True), (yuan(100000) + 1, False)):
        hid, _ = household(ledger.app, 4)
        from domain.policy.s05_means_test import Means

        app_id = ledger.app.submit_application(
            hid,
            programme="low_income",
            effective_from=date(2025, 3, 1),
            means=Means(income, 0, 0),
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, date(2025, 3, 1)),
        )
        on = app_walk(ledger.app, hid, app_id)
        version = ledger.app.household(hid).version
        if ok:
            result = ledger.app.determine(
                hid, app_id, decision="approve", reason="ok", actor="approver-wang", on=on
            )
            assert result.category == "low_income"
        else:
            with pytest.raises(PolicyRuleError) as caught:
                ledger.app.determine(
                    hid, app_id, decision="approve", reason="ok", actor="approver-wang", on=on
                )
            assert "100000.00" in caught.value.message
            assert ledger.app.household(hid).version == version


def test_tekun_person_gets_the_tekun_standard_by_month(ledger):
    """§4/§6, example 6: 26,000 / 12 = 2,166.666... -> 2,166.67 a month."""
    hid, members = household(ledger.app, 1)
    app_id = ledger.app.submit_application(
        hid,
        programme="tekun",
        effective_from=date(2025, 4, 1),
        means=None,
        member_id=members[0],
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, date(2025, 4, 1)),
    )
    result = app_decide(
        ledger.app,
        hid,
        app_id,
        decision="approve",
        reason="无劳动能力无赡养人",
        actor="approver-wang",
    )
    assert result.entitlements[0]["monthly_fen"] == 216_667
    assert amounts(ledger, hid, date(2025, 4, 1)) == {("tekun", members[0]): 216_667}


def test_dibao_rise_below_cited_growth_is_refused_and_accepted_with_override(ledger):
    """§6, example 7: 15,000 -> 15,450 is 3%; citing 4% income growth it is refused and
    nothing is recorded; with an override reason it is accepted and the reason kept."""
    before = ledger.app.repository.get(standards_id(CITY_CODE)).version
    with pytest.raises(PolicyRuleError) as caught:
        ledger.record_standard_change(
            key="dibao_standard_annual",
            value=yuan(15450),
            effective_from=date(2026, 1, 1),
            basis="doc 1",
            actor="admin",
            cited_income_growth=Fraction(4, 100),
        )
    assert caught.value.field == "value"
    assert ledger.app.repository.get(standards_id(CITY_CODE)).version == before
    result, _ = ledger.record_standard_change(
        key="dibao_standard_annual",
        value=yuan(15450),
        effective_from=date(2026, 1, 1),
        basis="doc 1",
        actor="admin",
        cited_income_growth=Fraction(4, 100),
        override_reason="市政府常务会议决定",
    )
    assert result.version == before + 1
    changed = list(ledger.app.events.get(standards_id(CITY_CODE)))[result.version - 1]
    assert changed.override_reason == "市政府常务会议决定"
    assert changed.cited_income_growth == "0.04"
    assert changed.actor == "admin"


def test_tekun_standard_below_half_of_urban_consumption_is_refused(ledger):
    """§6, example 6: cited consumption 48,000 -> floor 48,000 x 50% = 24,000; 23,000 is
    refused naming `value` and the floor, and nothing is recorded; 24,000 is accepted."""
    before = ledger.app.repository.get(standards_id(CITY_CODE)).version
    with pytest.raises(PolicyRuleError) as caught:
        ledger.record_standard_change(
            key="tekun_standard_annual",
            value=yuan(23000),
            effective_from=date(2026, 1, 1),
            basis="doc",
            actor="admin",
            cited_urban_consumption_fen=yuan(48000),
        )
    assert caught.value.field == "value"
    assert "23000.00 is below 48000.00 x 50% = 24000.00" in caught.value.message
    assert "§6" in caught.value.message
    assert ledger.app.repository.get(standards_id(CITY_CODE)).version == before
    result, _ = ledger.record_standard_change(
        key="tekun_standard_annual",
        value=yuan(24000),
        effective_from=date(2026, 1, 1),
        basis="doc",
        actor="admin",
        cited_urban_consumption_fen=yuan(48000),
    )
    assert result.version == before + 1


def test_retroactive_standard_change_adjusts_the_entitlement(ledger):
    """§3: a dibao standard raised to 15,600 from 2025-02-01 but recorded later reaches a
    household on dibao since 2025-03-01: three members, income 10,000:
    before (15,000 x 3 - 10,000) / 12 = 2,916.67; after (15,600 x 3 - 10,000) / 12 =
    3,066.666... -> 3,066.67. A second rise to 16,224 (4%) from 2025-07-01 gives
    (16,224 x 3 - 10,000) / 12 = 3,222.666... -> 3,222.67 from July."""
    hid, _ = household(ledger.app, 3)
    app_id = ledger.app.submit_application(
        hid,
        programme="dibao",
        effective_from=date(2025, 3, 1),
        means=means(10000),
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, date(2025, 3, 1)),
    )
    app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    known_before = datetime.now(UTC)
    assert amounts(ledger, hid, date(2025, 4, 1)) == {("dibao", None): 291_667}

    _, propagation = ledger.record_standard_change(
        key="dibao_standard_annual",
        value=yuan(15600),
        effective_from=date(2025, 2, 1),
        basis="嘉政办发〔2025〕1号",
        actor="admin",
        cited_income_growth=Fraction(4, 100),
    )
    assert (propagation.adjusted, propagation.refused) == (1, [])
    result, propagation = ledger.record_standard_change(
        key="dibao_standard_annual",
        value=yuan(16224),
        effective_from=date(2025, 7, 1),
        basis="嘉政办发〔2025〕2号",
        actor="admin",
        cited_income_growth=Fraction(4, 100),
    )
    assert propagation.adjusted == 1

    assert amounts(ledger, hid, date(2025, 4, 1)) == {("dibao", None): 306_667}
    assert amounts(ledger, hid, date(2025, 7, 1)) == {("dibao", None): 322_267}
    # As the ledger knew it before the change was recorded: the old amount.
    assert amounts(ledger, hid, date(2025, 4, 1), known_before) == {("dibao", None): 291_667}
    in_force = ledger.entitlements(hid, date(2025, 4, 1))[0]
    assert in_force.effective_to == date(2025, 6, 30)

    adjustments = [
        e
        for e in ledger.app.household_events(hid)
        if isinstance(e, Household.EntitlementChanged) and e.cause == "standard_change"
    ]
    assert [(e.effective_on, e.previous_monthly_fen, e.monthly_fen) for e in adjustments] == [
        (date(2025, 3, 1), 291_667, 306_667),
        (date(2025, 7, 1), 306_667, 322_267),
    ]
    assert all(e.standard_version.startswith("330400/v") for e in adjustments)
    history = ledger.entitlement_history(hid)
    assert [r.monthly_fen for r in history] == [291_667, 306_667, 322_267]
    # Idempotent: propagating again records nothing.
    assert ledger.propagate(CITY_CODE, result.version, actor="admin").adjusted == 0


def test_county_standard_overrides_the_city_only_in_that_county(ledger):
    """§10: a county's own dibao standard (海宁 330481: 15,600) applies to its households
    from its date; a household in 南湖 (330402) keeps the city's 15,000. One member with
    no income: 15,600 / 12 = 1,300.00 against 1,250.00."""
    haining, _ = household(ledger.app, 1, region_code="330481001002")
    nanhu, _ = household(ledger.app, 1, region_code="330402")
    for hid in (haining, nanhu):
        app_id = ledger.app.submit_application(
            hid,
            programme="dibao",
            effective_from=date(2025, 3, 1),
            means=means(0),
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, date(2025, 3, 1)),
        )
        app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    ledger.record_standard_change(
        key="dibao_standard_annual",
        value=yuan(15600),
        effective_from=date(2025, 5, 1),
        basis="海民〔2025〕8号",
        actor="admin",
        region_code="330481",
        cited_income_growth=Fraction(4, 100),
    )
    assert amounts(ledger, haining, date(2025, 5, 1)) == {("dibao", None): 130_000}
    assert amounts(ledger, haining, date(2025, 4, 30)) == {("dibao", None): 125_000}
    assert amounts(ledger, nanhu, date(2025, 5, 1)) == {("dibao", None): 125_000}


def test_separation_of_duties_records_nothing(ledger):
    """§9: the approver may not determine an application they submitted."""
    hid, _ = household(ledger.app, 1, actor="zhang")
    app_id = ledger.app.submit_application(
        hid,
        programme="dibao",
        effective_from=date(2025, 3, 1),
        means=means(0),
        actor="zhang",
        consents=app_consents(ledger.app, hid, date(2025, 3, 1)),
    )
    on = app_walk(ledger.app, hid, app_id)
    version = ledger.app.household(hid).version
    with pytest.raises(SeparationOfDutiesError):
        ledger.app.determine(hid, app_id, decision="approve", reason="ok", actor="zhang", on=on)
    assert ledger.app.household(hid).version == version


def test_rebuild_gives_identical_rows(ledger):
    """Projections: dropping and rebuilding the views from the log gives the same rows."""
    for n in range(5):
        hid, _ = household(ledger.app, 1 + n % 3)
        app_id = ledger.app.submit_application(
            hid,
            programme="dibao",
            effective_from=date(2025, 3, 1),
            means=means(1000 * n),
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, date(2025, 3, 1)),
        )
        app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    ledger.record_standard_change(
        key="dibao_standard_annual",
        value=yuan(15600),
        effective_from=date(2025, 6, 1),
        basis="doc",
        actor="admin",
        cited_income_growth=Fraction(4, 100),
    )
    ledger.runner.catch_up()
    before = ledger.views.dump(TABLES)
    assert len(before["ledger_entitlement_history"]) == 10
    ledger.runner.rebuild()
    assert ledger.views.dump(TABLES) == before
    # A smaller batch size goes through many batches and still gives the same rows.
    ledger.runner.batch_size = 3
    ledger.runner.rebuild()
    assert ledger.views.dump(TABLES) == before


def test_concurrent_writers_to_one_household_lose_no_update(ledger):
    """Eight threads add a member to one household at once: the losers of each race
    retry against the new state, so all eight are there and the stream has no gap."""
    hid, _ = household(ledger.app, 0)
    errors: list[BaseException] = []

    def add(i: int) -> None:
        try:
            from tests.helpers import id_number

            ledger.app.add_member(
                hid,
                actor="caseworker-li",
                name=f"并发{i}",
                id_number=id_number(),
                relation="child",
                birth_on=date(2010, 1, 1),
                joined_on=None,
            )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    state = ledger.app.household(hid)
    assert len(state.members) == 8
    versions = [e.originator_version for e in ledger.app.household_events(hid)]
    assert versions == list(range(1, 10))


def test_snapshots_do_not_change_the_state_and_known_at_uses_older_versions(ledger):
    """A household of 250 events (snapshots every 100) loads the same state as its events
    folded from the start; a replay known at an early time ignores later events."""
    hid, members = household(ledger.app, 1)
    early = datetime.now(UTC)
    for i in range(124):
        ledger.app.change_member(
            hid,
            members[0],
            effective_on=date(2025, 2, 1),
            changes={"severe_illness": i % 2 == 0},
            actor="caseworker-li",
        )
        ledger.app.change_member(
            hid,
            members[0],
            effective_on=date(2025, 2, 1),
            changes={"employment": "employed"},
            actor="caseworker-li",
        )
    loaded = ledger.app.household(hid)
    assert loaded.version == 250
    assert ledger.app.snapshots is not None
    assert len(list(ledger.app.snapshots.get(hid))) == 2  # at versions 100 and 200
    folded = None
    for event in ledger.app.household_events(hid):
        folded = event.mutate(folded)
    assert folded.__dict__ == loaded.__dict__
    assert ledger.app.household_known_at(hid, early)[0].version == 2


def test_idempotency_records(ledger):
    """The Idempotency-Key store: first claim new, then pending, then the kept answer;
    another body is a mismatch; an aborted claim can be claimed again."""
    views = ledger.views
    assert views.idempotency_begin("u|POST|/x|k1", "h1") == ("new", None, b"")
    assert views.idempotency_begin("u|POST|/x|k1", "h1")[0] == "pending"
    views.idempotency_finish("u|POST|/x|k1", 201, b'{"ok":1}')
    assert views.idempotency_begin("u|POST|/x|k1", "h1") == ("replay", 201, b'{"ok":1}')
    assert views.idempotency_begin("u|POST|/x|k1", "h2")[0] == "mismatch"
    assert views.idempotency_begin("u|POST|/x|k2", "h1")[0] == "new"
    views.idempotency_abort("u|POST|/x|k2")
    assert views.idempotency_begin("u|POST|/x|k2", "h1")[0] == "new"


def test_cipher_key_encrypts_payloads_at_rest(settings):
    """LEDGER_CIPHER_KEY: event payloads are AES-GCM encrypted in the database (the name
    is not readable in the stored bytes) and read back whole."""
    from eventsourcing.cryptography import AESCipher
    from pydantic import SecretStr

    from services.ledger import Ledger

    ciphered = settings.model_copy(update={"cipher_key": SecretStr(AESCipher.create_key(32))})
    ledger = Ledger.open(ciphered)
    try:
        hid, members = household(ledger.app, 1)
        stored = ledger.app.recorder.select_events(hid)
        assert len(stored) == 2
        assert all("成员0".encode() not in e.state for e in stored)
        assert ledger.app.household(hid).members[members[0]].name == "成员0"
    finally:
        ledger.close()


def test_retroactive_rise_reaches_a_temporary_subsidy_with_a_future_end(ledger):
    """§21 and §3: a low-income household of one (income 60,000) whose registered
    unemployed member gets the temporary subsidy at the dibao standard from 2025-01-01,
    for 6 months: 15,000 / 12 = 1,250.00 a month, ending 2025-07-01. The dibao standard
    rises to 15,600 from 2025-04-01, recorded afterwards: 15,600 / 12 = 1,300.00 for
    April to June, still nothing from July. The subsidy is the household's only
    entitlement, and its latest change point is its (future) end."""
    hid = ledger.app.register_household(
        region_code="330402",
        residence="urban",
        address="南湖路2号",
        registered_on=date(2024, 1, 1),
        actor="caseworker-li",
    )
    member = ledger.app.add_member(
        hid,
        actor="caseworker-li",
        name="失业者",
        id_number=id_number(),
        relation="head",
        birth_on=date(1980, 5, 17),
        joined_on=None,
        employment="unemployed_registered",
    )
    for programme, person, income in (
        ("low_income", None, means(60000)),
        ("unemployed_temporary_subsidy", member, None),
    ):
        app_id = ledger.app.submit_application(
            hid,
            programme=programme,
            effective_from=date(2025, 1, 1),
            means=income,
            member_id=person,
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, date(2025, 1, 1)),
        )
        app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    subsidy = ("unemployed_temporary_subsidy", member)
    assert amounts(ledger, hid, date(2025, 5, 1)) == {subsidy: 125_000}
    _, propagation = ledger.record_standard_change(
        key="dibao_standard_annual",
        value=yuan(15600),
        effective_from=date(2025, 4, 1),
        basis="嘉政办发〔2025〕3号",
        actor="admin",
        cited_income_growth=Fraction(4, 100),
    )
    assert propagation.adjusted == 1
    assert amounts(ledger, hid, date(2025, 3, 31)) == {subsidy: 125_000}
    assert amounts(ledger, hid, date(2025, 4, 1)) == {subsidy: 130_000}
    assert amounts(ledger, hid, date(2025, 6, 30)) == {subsidy: 130_000}
    assert amounts(ledger, hid, date(2025, 7, 1)) == {}


def test_a_change_beyond_the_plans_cap_is_refused_and_records_nothing(ledger):
    """§14: renovation grants total at most 30,000 yuan per household; a cap of 80,000 is
    refused naming `value`, and the standards stream does not move."""
    before = ledger.app.repository.get(standards_id(CITY_CODE)).version
    with pytest.raises(PolicyRuleError) as caught:
        ledger.record_standard_change(
            key="renovation_household_cap",
            value=yuan(80000),
            effective_from=date(2026, 1, 1),
            basis="doc",
            actor="admin",
        )
    assert caught.value.field == "value" and "§14" in caught.value.message
    assert ledger.app.repository.get(standards_id(CITY_CODE)).version == before


def test_a_raised_rent_floor_gates_new_approvals_and_never_breaks_a_propagation(ledger):
    """§12: an urban dibao household of one (no income: 1,250.00) holds the rent subsidy
    at tier 0.45 of 2,400 = 1,080.00. The floor is raised to 0.5 from 2025-01-01: the
    change is recorded and the subsidy granted stays 1,080.00 (the floor gates approval,
    not the amount). A dibao rise to 15,600 from 2025-01-01 then reaches the household
    (1,300.00) with nothing refused; a new application at 0.45 is refused."""
    hid, _ = household(ledger.app, 1)
    for programme, details in (("dibao", None), ("rent_subsidy", {"tier_ratio": "0.45"})):
        app_id = ledger.app.submit_application(
            hid,
            programme=programme,
            effective_from=date(2025, 1, 1),
            means=means(0) if programme == "dibao" else None,
            details={**details, "average_market_rent": "2400"} if details else None,
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, date(2025, 1, 1)),
        )
        app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    _, floor = ledger.record_standard_change(
        key="rent_subsidy_min_ratio",
        value=Fraction(1, 2),
        effective_from=date(2025, 1, 1),
        basis="嘉建〔2025〕4号",
        actor="admin",
    )
    assert (floor.adjusted, floor.refused) == (0, [])
    _, rise = ledger.record_standard_change(
        key="dibao_standard_annual",
        value=yuan(15600),
        effective_from=date(2025, 1, 1),
        basis="嘉政发〔2025〕9号",
        actor="admin",
        cited_income_growth=Fraction(4, 100),
    )
    assert (rise.adjusted, rise.refused) == (1, [])
    assert amounts(ledger, hid, date(2025, 2, 1)) == {
        ("dibao", None): 130_000,
        ("rent_subsidy", None): 108_000,
    }
    again = ledger.app.submit_application(
        hid,
        programme="rent_subsidy",
        effective_from=date(2025, 3, 1),
        means=None,
        details={"tier_ratio": "0.45", "average_market_rent": "2400"},
        actor="caseworker-li",
    )
    with pytest.raises(PolicyRuleError) as caught:
        ledger.app.determine(hid, again, decision="approve", reason="ok", actor="approver-wang")
    assert caught.value.field == "details.tier_ratio"


def test_a_household_whose_recompute_is_refused_is_reported_and_the_rest_adjusted(
    ledger, monkeypatch
):
    """§3: a propagation never stops half-way after the change is saved. Two households
    of one on dibao (no income: 1,250.00); a rule refuses the recompute of the first (a
    stand-in for any refusal). The rise to 15,600 from 2025-03-01 is recorded, the second
    household gets 1,300.00, the first is reported (id, field, message) with nothing
    recorded, and the completion on the standards stream lists it."""
    refused_hid, _ = household(ledger.app, 1)
    adjusted_hid, _ = household(ledger.app, 1)
    for hid in (refused_hid, adjusted_hid):
        app_id = ledger.app.submit_application(
            hid,
            programme="dibao",
            effective_from=date(2025, 3, 1),
            means=means(0),
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, date(2025, 3, 1)),
        )
        app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    refused_version = ledger.app.household(refused_hid).version
    original = Household.apply_standard_change

    def refusing(self, book, **kwargs):
        if self.id == refused_hid:
            raise PolicyRuleError("the household's basis needs review", "details.tier_ratio")
        return original(self, book, **kwargs)

    monkeypatch.setattr(Household, "apply_standard_change", refusing)
    result, propagation = ledger.record_standard_change(
        key="dibao_standard_annual",
        value=yuan(15600),
        effective_from=date(2025, 3, 1),
        basis="嘉政发〔2025〕9号",
        actor="admin",
        cited_income_growth=Fraction(4, 100),
    )
    expected = [
        {
            "household_id": str(refused_hid),
            "field": "details.tier_ratio",
            "message": "the household's basis needs review",
        }
    ]
    assert (propagation.adjusted, propagation.refused) == (1, expected)
    assert amounts(ledger, adjusted_hid, date(2025, 3, 1)) == {("dibao", None): 130_000}
    assert amounts(ledger, refused_hid, date(2025, 3, 1)) == {("dibao", None): 125_000}
    assert ledger.app.household(refused_hid).version == refused_version
    completed = list(ledger.app.events.get(standards_id(CITY_CODE)))[-1]
    assert isinstance(completed, Standards.PropagationCompleted)
    assert (completed.version, completed.adjusted, completed.refused) == (
        result.version,
        1,
        expected,
    )


def test_an_idempotency_key_left_pending_by_a_crash_is_in_doubt_and_never_reruns(ledger):
    """A claim whose process died before keeping the answer is "pending" (409, still
    running) for LEDGER_IDEMPOTENCY_PENDING_SECONDS, then "in doubt" (409, read the record:
    the write may have committed): a retry never runs it again, which could record it
    twice. A kept answer never expires."""
    views = ledger.views
    assert views.idempotency_begin("u|POST|/x|crashed", "h1")[0] == "new"
    assert views.idempotency_begin("u|POST|/x|crashed", "h1", pending_seconds=3600)[0] == (
        "pending"
    )
    time.sleep(0.05)
    assert views.idempotency_begin("u|POST|/x|crashed", "h1", pending_seconds=0.01) == (
        "in_doubt",
        None,
        b"",
    )
    assert views.idempotency_begin("u|POST|/x|crashed", "h2", pending_seconds=0.01)[0] == (
        "mismatch"
    )
    views.idempotency_finish("u|POST|/x|crashed", 201, b'{"ok":1}')
    time.sleep(0.05)
    assert views.idempotency_begin("u|POST|/x|crashed", "h1", pending_seconds=0.01) == (
        "replay",
        201,
        b'{"ok":1}',
    )
