"""The caseworker's workspace (docs/WORKSPACE.md) on both backends: search by ID number
(exact, through the keyed-hash index that holds no number), by name and address
fragments, the filters, paging, masking, the responsible caseworker and its
reassignment, and my worklist with each item's due date worked out by hand."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from domain.errors import ConflictError, InvalidInputError
from domain.idnumber import mask_id_number
from projections import search as view
from projections import sql
from projections.runner import VIEWS
from services.applications import row_stage
from services.ledger import Ledger
from services.worklist import worklist
from services.workspace import Filters, search
from tests.helpers import id_number, means
from tests.path import app_consents, app_decide, app_walk

ON = date(2025, 6, 1)


def _register(
    ledger: Ledger,
    region: str,
    address: str,
    names: list[str],
    *,
    actor: str = "cw-zhang",
    caseworker: str | None = None,
    registered_on: date = date(2025, 1, 1),
) -> tuple[UUID, list[str], list[str]]:
    """A household with these members (the first the head); its id, the member ids and
    their ID numbers."""
    hid = ledger.app.register_household(
        region_code=region,
        residence="urban",
        address=address,
        registered_on=registered_on,
        actor=actor,
        caseworker=caseworker,
    )
    numbers = [id_number() for _ in names]
    members = [
        ledger.app.add_member(
            hid,
            actor=actor,
            name=name,
            id_number=number,
            relation="head" if i == 0 else "spouse",
            birth_on=date(1980, 5, 17),
            joined_on=None,
        )
        for i, (name, number) in enumerate(zip(names, numbers, strict=True))
    ]
    return hid, members, numbers


@pytest.fixture
def city(ledger: Ledger) -> dict[str, Any]:
    """Four households in three counties (a village of 南湖区 330402001002, a township
    330402003, 秀洲区 330411, 嘉善县 330421)."""
    h1 = _register(ledger, "330402001002", "南湖路12号", ["张三", "李四"])
    h2 = _register(ledger, "330402003001", "中山路3号", ["张三丰"], caseworker="cw-li")
    h3 = _register(ledger, "330411", "秀洲大道5号", ["李张", "王五"], actor="cw-li")
    h4 = _register(ledger, "330421", "南湖南路8号", ["赵六"])
    return {"h1": h1, "h2": h2, "h3": h3, "h4": h4}


def _found(ledger: Ledger, q: str | None, by: str = "auto", **filters: Any) -> list[UUID]:
    page = search(ledger, q=q, by=by, filters=Filters(**filters), on=ON, limit=100)
    assert page["next"] is None
    return [UUID(item["household_id"]) for item in page["items"]]


def test_an_id_number_finds_its_household_whole_and_exactly(ledger, city):
    hid, _, numbers = city["h1"]
    page = search(ledger, q=numbers[1], filters=Filters(), on=ON, whole_ids=True)
    [item] = page["items"]
    assert page["by"] == "id_number"
    assert UUID(item["household_id"]) == hid
    assert item["matched"] == ["id_number"]
    assert [(m["name"], m["matched"]) for m in item["members"]] == [
        ("张三", False),
        ("李四", True),
    ]
    assert [m["id_number"] for m in item["members"]] == numbers  # the roles that see them
    # A number is found whole only: its first 17 digits find nothing (and are no number).
    assert _found(ledger, numbers[1][:17], by="name") == []
    assert _found(ledger, id_number()) == []  # a valid number of nobody
    wrong = numbers[1][:17] + ("0" if numbers[1][17] != "0" else "1")
    with pytest.raises(InvalidInputError) as refused:
        search(ledger, q=wrong, filters=Filters(), on=ON)
    assert refused.value.field == "q" and "check digit" in refused.value.message


def test_the_index_holds_no_plain_id_number_only_its_keyed_hash(ledger, city):
    ledger.runner.catch_up()
    rows = ledger.views.dump(VIEWS[view.NAME].tables)
    text = repr(rows)
    numbers = [n for _, _, found in city.values() for n in found]
    assert not [n for n in numbers if n in text]
    key = ledger.settings.id_index_secret()
    stored = {r[3] for r in rows["ledger_search_members"]}  # the id_hash column
    expected = {hmac.new(key, n.encode(), hashlib.sha256).hexdigest() for n in numbers}
    assert stored == expected
    # The masked numbers are there (region code and last four), for the other roles.
    assert {r[4] for r in rows["ledger_search_members"]} == {mask_id_number(n) for n in numbers}


def test_a_name_fragment_finds_the_households_of_the_members_whose_names_hold_it(ledger, city):
    h1, h2, h3, h4 = (city[k][0] for k in ("h1", "h2", "h3", "h4"))
    assert _found(ledger, "张") == [h1, h2, h3]  # 张三, 张三丰, 李张; in registration order
    assert _found(ledger, "张三") == [h1, h2]
    assert _found(ledger, "张三丰") == [h2]
    assert _found(ledger, "三丰") == [h2]
    assert _found(ledger, "李", by="name") == [h1, h3]  # 李四, 李张
    assert _found(ledger, "张", by="address") == []
    assert _found(ledger, "赵 六") == [h4]  # spaces are not part of a name
    page = search(ledger, q="张三", filters=Filters(), on=ON)
    assert [i["matched"] for i in page["items"]] == [["name"], ["name"]]
    assert [[m["name"] for m in i["members"] if m["matched"]] for i in page["items"]] == [
        ["张三"],
        ["张三丰"],
    ]


def test_an_address_fragment_finds_the_households_whose_address_holds_it(ledger, city):
    h1, h4 = city["h1"][0], city["h4"][0]
    assert _found(ledger, "南湖", by="address") == [h1, h4]
    assert _found(ledger, "南湖") == [h1, h4]  # auto: a name or an address
    assert _found(ledger, "12号") == [h1]
    assert _found(ledger, "１２号") == [h1]  # full-width digits are the same digits
    assert _found(ledger, "南湖南") == [h4]
    assert _found(ledger, "湖路12") == [h1]
    assert _found(ledger, "路1号") == []
    [item] = search(ledger, q="12号", filters=Filters(), on=ON)["items"]
    assert item["matched"] == ["address"] and item["address"] == "南湖路12号"


def test_the_region_filter_takes_a_county_a_township_or_a_village(ledger, city):
    h1, h2, h3 = (city[k][0] for k in ("h1", "h2", "h3"))
    assert _found(ledger, "张", region="330402") == [h1, h2]
    assert _found(ledger, "张", region="330402003") == [h2]
    assert _found(ledger, "张", region="330402001002") == [h1]
    assert _found(ledger, "张", region="330411") == [h3]
    assert _found(ledger, "张", region="330400") == [h1, h2, h3]  # the city: every county
    with pytest.raises(InvalidInputError) as refused:
        _found(ledger, "张", region="3304")
    assert refused.value.field == "region"


def test_category_programme_and_stage_filters(ledger, city):
    """H3 becomes dibao (§6: approved on the path, category in force from 2025-01-01);
    H1 has a marginal application received and left there, then its check reported."""
    h1, h3 = city["h1"][0], city["h3"][0]
    app = ledger.app
    dibao = app.submit_application(
        h3,
        programme="dibao",
        effective_from=date(2025, 1, 1),
        means=means(6000),
        actor="cw-li",
        consents=app_consents(app, h3, date(2025, 1, 1)),
    )
    app_decide(app, h3, dibao)
    marginal = app.submit_application(
        h1,
        programme="marginal",
        effective_from=date(2025, 3, 1),
        means=means(40000),
        actor="cw-zhang",
        consents=app_consents(app, h1, date(2025, 3, 1)),
    )
    assert _found(ledger, "张", category="dibao") == [h3]
    assert _found(ledger, None, category="dibao") == [h3]  # the filter alone
    assert _found(ledger, "张", category="dibao", region="330402") == []
    assert _found(ledger, "张", programme="marginal") == [h1]
    assert _found(ledger, "张", programme="dibao") == [h3]
    assert _found(ledger, "张", stage="received") == [h1]
    assert _found(ledger, "张", stage="decided") == [h3]
    assert _found(ledger, "张", stage="received", programme="dibao") == []
    app.path_step(
        h1,
        marginal,
        "request_check",
        actor="cw-zhang",
        request_id="r1",
        department="tax",
        on=date(2025, 3, 1),
    )
    app.path_step(
        h1,
        marginal,
        "record_check_answer",
        actor="cw-zhang",
        request_id="r1",
        finding="as declared",
        amount_fen=None,
        on=date(2025, 3, 2),
    )
    app.path_step(
        h1,
        marginal,
        "attach_check_report",
        actor="cw-zhang",
        means=means(40000),
        on=date(2025, 3, 3),
    )
    assert _found(ledger, "张", stage="received") == []
    assert _found(ledger, "张", stage="checked", programme="marginal") == [h1]
    for name, value in (("category", "dibao_x"), ("programme", "x"), ("stage", "late")):
        with pytest.raises(InvalidInputError) as refused:
            _found(ledger, "张", **{name: value})
        assert refused.value.field == name


def test_pages_follow_the_cursor_without_repeating_or_missing(ledger, city):
    expected = [city[k][0] for k in ("h1", "h2", "h3")]
    seen: list[UUID] = []
    after = None
    pages = 0
    while True:
        page = search(ledger, q="张", filters=Filters(), on=ON, after=after, limit=1)
        seen += [UUID(i["household_id"]) for i in page["items"]]
        pages += 1
        after = page["next"]
        if after is None:
            break
    assert seen == expected and pages == 3
    for bad in ("x1", "-1", "1" * 19):
        with pytest.raises(InvalidInputError) as refused:
            search(ledger, q="张", filters=Filters(), on=ON, after=bad)
        assert refused.value.field == "after"


def test_id_numbers_are_masked_unless_the_role_sees_them(ledger, city):
    _, _, numbers = city["h1"]
    [item] = search(ledger, q="李四", filters=Filters(), on=ON, whole_ids=False)["items"]
    assert [m["id_number"] for m in item["members"]] == [mask_id_number(n) for n in numbers]
    assert all("*" in m["id_number"] for m in item["members"])


def test_a_member_who_left_is_still_found_and_marked(ledger, city):
    hid, members, _ = city["h1"]
    ledger.app.change_member(
        hid,
        members[1],
        effective_on=date(2025, 4, 1),
        changes={"left_household": True},
        actor="cw-zhang",
    )
    [item] = search(ledger, q="李四", filters=Filters(), on=ON)["items"]
    assert [(m["name"], m["left_on"]) for m in item["members"]] == [
        ("张三", None),
        ("李四", "2025-04-01"),
    ]


def test_a_rebuild_of_the_search_view_gives_the_same_rows(ledger, city):
    ledger.app.assign_caseworker(
        city["h4"][0], "cw-wu", on=date(2025, 2, 1), reason="调岗", actor="approver-wang"
    )
    ledger.runner.catch_up()
    tables = VIEWS[view.NAME].tables
    before = ledger.views.dump(tables)
    assert ledger.runner.rebuild((view.NAME,)) > 0
    assert ledger.views.dump(tables) == before
    assert len(before["ledger_search_households"]) == 4


def test_the_caseworker_is_who_registers_unless_named_and_an_approver_reassigns(ledger, city):
    h1, h2, h3, h4 = (city[k][0] for k in ("h1", "h2", "h3", "h4"))
    app = ledger.app
    assert _found(ledger, None, caseworker="cw-zhang") == [h1, h4]
    assert _found(ledger, None, caseworker="cw-li") == [h2, h3]  # named; registered
    assert app.caseworker_of(app.household(h1)) == "cw-zhang"
    assert app.caseworker_of(app.household(h2)) == "cw-li"
    assert app.assign_caseworker(
        h1, "cw-li", on=date(2025, 3, 1), reason="片区调整", actor="approver-wang"
    ) == (True, "cw-li")
    # The same caseworker again records nothing.
    version = app.household(h1).version
    assert app.assign_caseworker(
        h1, " cw-li ", on=date(2025, 3, 2), reason="", actor="approver-wang"
    ) == (False, "cw-li")
    assert app.household(h1).version == version
    assert _found(ledger, None, caseworker="cw-zhang") == [h4]
    assert _found(ledger, None, caseworker="cw-li") == [h1, h2, h3]
    [item] = search(ledger, q="李四", filters=Filters(), on=ON)["items"]
    assert (item["caseworker"], item["caseworker_since"]) == ("cw-li", "2025-03-01")
    event = app.household_events(h1)[-1]
    assert (event.caseworker, event.previous, event.actor) == ("cw-li", "cw-zhang", "approver-wang")
    with pytest.raises(ConflictError) as earlier:
        app.assign_caseworker(h1, "cw-wu", on=date(2025, 2, 1), reason="", actor="ap")
    assert earlier.value.field == "on"
    with pytest.raises(InvalidInputError) as before:
        app.assign_caseworker(h1, "cw-wu", on=date(2024, 12, 31), reason="", actor="ap")
    assert before.value.field == "on"
    with pytest.raises(InvalidInputError) as empty:
        app.assign_caseworker(h1, "  ", on=date(2025, 4, 1), reason="", actor="ap")
    assert empty.value.field == "caseworker"
    assert app.household(h1).version == version


def _path_to(ledger: Ledger, hid: UUID, app_id: str, stage: str) -> None:
    """Take a received application (2025-03-03) along the path to `stage`; `reopened`:
    noticed, then an objection upheld (back before the investigation); `reinvestigated`:
    reopened, then investigated again."""
    step = ledger.app.path_step
    on = date(2025, 3, 3)
    if stage == "received":
        return
    step(hid, app_id, "request_check", actor="cw", request_id="r", department="tax", on=on)
    step(
        hid,
        app_id,
        "record_check_answer",
        actor="cw",
        request_id="r",
        finding="as declared",
        amount_fen=None,
        on=on,
    )
    step(hid, app_id, "attach_check_report", actor="cw", means=means(20000), on=on)
    if stage == "withdrawn":
        step(hid, app_id, "withdraw_application", actor="cw", reason="已就业", on=on)
    if stage in ("checked", "withdrawn"):
        return
    staff = ["investigator-zhao", "investigator-qian"]
    step(hid, app_id, "record_investigation", actor="cw", staff=staff, findings="属实", on=on)
    if stage == "investigated":
        return
    step(hid, app_id, "publish_notice", actor="cw", on=on)
    if stage == "noticed":
        return
    if stage == "decided":
        on = date(2025, 3, 10)
        ledger.app.determine(
            hid, app_id, decision="approve", reason="属实", actor="approver-wang", on=on
        )
        return
    step(
        hid,
        app_id,
        "record_objection",
        actor="cw",
        objection_id="o",
        raised_by="邻居",
        text="收入未申报",
        on=date(2025, 3, 4),
    )
    step(
        hid,
        app_id,
        "resolve_objection",
        actor="approver-wang",
        objection_id="o",
        outcome="upheld",
        reason="查实",
        on=date(2025, 3, 5),
    )
    if stage == "reinvestigated":
        step(
            hid,
            app_id,
            "record_investigation",
            actor="cw",
            staff=staff,
            findings="再次入户",
            on=date(2025, 3, 6),
        )


WALKS = {
    "received": "received",
    "checked": "checked",
    "investigated": "investigated",
    "noticed": "noticed",
    "decided": "decided",
    "withdrawn": "withdrawn",
    "reopened": "checked",
    "reinvestigated": "investigated",
}


def test_the_stage_filter_is_the_stage_of_the_application_on_its_path(ledger):
    """POLICY ch. 14: the stage the search filters by (SQL over the applications view)
    is the path's own (`PathRecord.stage`) and the worklist's (`row_stage`) for every
    stage, an objection upheld (back to checked) and a new investigation after it."""
    app = ledger.app
    households = {}
    for walk in WALKS:
        hid, _, _ = _register(ledger, "330402001001", f"{walk}路1号", ["冯一"], actor="cw")
        app_id = app.submit_application(
            hid,
            programme="marginal",
            effective_from=date(2025, 3, 3),
            means=means(20000),
            actor="cw",
            consents=app_consents(app, hid, date(2025, 3, 3)),
        )
        _path_to(ledger, hid, app_id, walk)
        path = app.household(hid).applications[app_id].path
        assert path is not None and path.stage() == WALKS[walk], walk
        households[walk] = hid
    ledger.runner.catch_up()
    rows = ledger.views.query(sql.APPLICATIONS, {"prefix": "3304%"})
    assert {UUID(str(r["household_id"])): row_stage(r) for r in rows} == {
        households[walk]: stage for walk, stage in WALKS.items()
    }
    for stage in sorted(set(WALKS.values())):
        expected = [households[walk] for walk in WALKS if WALKS[walk] == stage]
        assert _found(ledger, None, stage=stage) == expected, stage


# ------------------------------------------------------------------- my worklist


def test_my_worklist_lists_what_is_due_with_its_date_most_urgent_first(ledger):
    """On 2025-12-15 for cw-w: household W (dibao from 2025-01-01, no visit) has its
    quarterly §30 visit due 2025-04-01 (3 months after the category's start); the
    visit_overdue_long warning (POLICY ch. 12, twice the interval: after 2025-07-01)
    raised 2025-07-02; its periodic review (POLICY ch. 15, stable: 12 months after the
    determination of 2025-01-01) due 2026-01-01, inside 30 days; its re-assessment
    received 2025-12-01 waits for the check, the decision due 30 working days later
    (December has 22 after the 1st, 2026-01-01..03 are off, Sunday 01-04 is worked,
    then 01-05..09, 01-12, 01-13): 2026-01-13. Household D's application waits for the
    documents asked on 2025-12-03: followed up 10 working days later, 2025-12-17."""
    app = ledger.app
    w, _, _ = _register(ledger, "330402001001", "禾兴路1号", ["钱一", "孙二"], actor="cw-w")
    first = app.submit_application(
        w,
        programme="dibao",
        effective_from=date(2025, 1, 1),
        means=means(6000),
        actor="cw-w",
        consents=app_consents(app, w, date(2025, 1, 1)),
    )
    app_decide(app, w, first)
    again = app.submit_application(
        w,
        programme="dibao",
        effective_from=date(2025, 12, 1),
        means=means(6000),
        actor="cw-w",
        consents=app_consents(app, w, date(2025, 12, 1)),
    )
    d, _, _ = _register(ledger, "330402001001", "禾兴路2号", ["周三"], actor="cw-w")
    waiting = app.submit_application(
        d,
        programme="low_income",
        effective_from=date(2025, 12, 3),
        means=means(20000),
        actor="cw-w",
        consents=app_consents(app, d, date(2025, 12, 3)),
    )
    app.path_step(
        d, waiting, "request_documents", actor="cw-w", documents="工资流水", on=date(2025, 12, 3)
    )
    # Another caseworker's household, as overdue for its visit: not on cw-w's list.
    other, _, _ = _register(ledger, "330402001001", "禾兴路3号", ["吴四"], actor="cw-other")
    its = app.submit_application(
        other,
        programme="dibao",
        effective_from=date(2025, 1, 1),
        means=means(3000),
        actor="cw-other",
        consents=app_consents(app, other, date(2025, 1, 1)),
    )
    app_decide(app, other, its)
    theirs = worklist(ledger, user="cw-other", approver=False, on=date(2025, 12, 15))
    assert {"visit", "warning", "review"} <= {i["kind"] for i in theirs["items"]}
    found = worklist(ledger, user="cw-w", approver=False, on=date(2025, 12, 15))
    items = found["items"]
    assert found["households"] == 2
    assert {i["household_id"] for i in items} == {str(w), str(d)}
    assert [i["due_on"] for i in items] == sorted(i["due_on"] for i in items)
    visit = [i for i in items if i["kind"] == "visit"]
    assert [(i["household_id"], i["due_on"], i["overdue"], i["tier"]) for i in visit] == [
        (str(w), "2025-04-01", True, "quarterly")
    ]
    warned = [(i["rule"], i["due_on"]) for i in items if i["kind"] == "warning"]
    assert ("visit_overdue_long", "2025-07-02") in warned
    review = [(i["category"], i["due_on"], i["overdue"]) for i in items if i["kind"] == "review"]
    assert review == [("dibao", "2026-01-01", False)]
    steps = [i for i in items if i["kind"] == "application"]
    assert [(i["application_id"], i["next_step"], i["due_on"]) for i in steps] == [
        (again, "check", "2026-01-13")
    ]
    documents = [i for i in items if i["kind"] == "documents"]
    assert [
        (i["application_id"], i["asked_on"], i["due_on"], i["days_left"]) for i in documents
    ] == [(waiting, "2025-12-03", "2025-12-17", 2)]
    assert visit[0]["head"] == "钱一" and visit[0]["address"] == "禾兴路1号"
    assert found["counts"]["visit"] == 1 and found["total"] == len(items)
    # Within 10 days the review (2026-01-01) is not listed yet; the visit still is.
    near = worklist(ledger, user="cw-w", approver=False, on=date(2025, 12, 15), days=10)
    assert "review" not in {i["kind"] for i in near["items"]}
    assert "visit" in {i["kind"] for i in near["items"]}
    # Bounded: the first two, and how many there are.
    short = worklist(ledger, user="cw-w", approver=False, on=date(2025, 12, 15), limit=2)
    assert short["items"] == items[:2] and short["more"] and short["total"] == len(items)
    # Nobody else's household is on it.
    assert worklist(ledger, user="cw-nobody", approver=False, on=date(2025, 12, 15))["items"] == []


def test_an_approvers_worklist_holds_the_decisions_and_objections_waiting(ledger):
    """Two applications received 2025-11-20 and noticed that day to 11-26 (7 days): on
    2025-12-15 one waits for the decision, the other for its objection's resolution;
    both due 30 working days after receipt (11-21 .. 12-31 are 29, Sunday 2026-01-04 is
    the 30th): 2026-01-04. One noticed on 12-10 still runs its notice: nobody's step."""
    app = ledger.app
    ids = []
    for n, received in enumerate((date(2025, 11, 20), date(2025, 11, 20), date(2025, 12, 10))):
        hid, _, _ = _register(ledger, "330411", f"新塍镇{n}号", [f"韩{n}"], actor="cw-x")
        app_id = app.submit_application(
            hid,
            programme="low_income",
            effective_from=received,
            means=means(20000),
            actor="cw-x",
            consents=app_consents(app, hid, received),
        )
        app_walk(app, hid, app_id)
        ids.append((hid, app_id))
    app.path_step(
        ids[1][0],
        ids[1][1],
        "record_objection",
        actor="cw-x",
        objection_id="o1",
        raised_by="邻居",
        text="收入未申报",
        on=date(2025, 11, 22),
    )
    found = worklist(ledger, user="approver-wang", approver=True, on=date(2025, 12, 15))
    assert [(i["kind"], i["application_id"], i["due_on"]) for i in found["items"]] == [
        ("decision", ids[0][1], "2026-01-04"),
        ("objection", ids[1][1], "2026-01-04"),
    ]
    in_xiuzhou = worklist(ledger, user="ap", approver=True, on=date(2025, 12, 15), region="330402")
    assert in_xiuzhou["items"] == []  # another county's
