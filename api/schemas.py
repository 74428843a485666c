"""Request and response schemas. Money is a decimal string in yuan at this edge."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    ValidationInfo,
    field_validator,
)

from domain.errors import InvalidInputError
from domain.household import EMPLOYMENT, RELATIONS
from domain.household.life_events import LIFE_EVENT_KINDS
from domain.money import parse_ratio, parse_yuan
from domain.policy.s11_education_aid import STAGES as SCHOOL_STAGES
from domain.policy.s17_medical_caps import ITEM_KINDS
from domain.text import check_text

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


def _yuan(value: str) -> str:
    try:
        parse_yuan(value, "amount")
    except InvalidInputError as error:  # the rule as the domain says it, without its name
        raise ValueError(error.message.removeprefix("amount ")) from None
    return value


def _ratio(value: str) -> str:
    try:
        parse_ratio(value, "ratio")
    except InvalidInputError:
        raise ValueError('must be a decimal string such as "0.04" (4%) or "1.5"') from None
    return value


def _iso_text(value: object) -> object:
    if not isinstance(value, (str, date)):
        raise ValueError('must be an ISO date string such as "2025-07-01"')
    return value


def _sane(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}")
    return value


Yuan = Annotated[str, Strict(), AfterValidator(_yuan), Field(examples=["1250.00"])]
Ratio = Annotated[str, Strict(), AfterValidator(_ratio), Field(examples=["0.04"])]
BusinessDate = Annotated[
    date, BeforeValidator(_iso_text), AfterValidator(_sane), Field(examples=["2025-07-01"])
]
QueryDate = Annotated[date, AfterValidator(_sane)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]

# A valid GB 11643 number (region 330402 南湖区, born 1980-01-01, check digit 2), used
# as the example wherever a member's ID number is asked: tests/unit/test_openapi.py checks
# it with domain.idnumber.validate_id_number.
SAMPLE_ID_NUMBER = "330402198001010022"
SAMPLE_HOUSEHOLD = "6f1c2a9e-3b8d-4c5e-9a7f-2d4b6c8e0a11"
SAMPLE_MEMBER = "9667943b-098c-44a7-a797-11b56650da2d"
SAMPLE_VERSION = "330400:4"


def example(**body: Any) -> ConfigDict:
    """A model's example, shown in /docs and /redoc (OpenAPI `examples`)."""
    return ConfigDict(json_schema_extra={"examples": [body]})


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        """Every string of every request body, nested ones included: the rule of
        `domain.text` (a NUL would stop the views on PostgreSQL)."""
        field = info.field_name or "body"
        try:
            check_text(value, field)
        except InvalidInputError as error:
            inner = error.field != field
            raise ValueError(error.message if inner else error.message[len(field) + 1 :]) from None
        return value


class StandardChangeIn(Input):
    """A standard's new value from a date (POLICY ch. 3, ch. 10; docs/STANDARDS.md)."""

    model_config = example(
        key="dibao_standard_annual",
        value="15600.00",
        effective_from="2026-01-01",
        basis="嘉民发〔2025〕12号",
        region_code=None,
        cited_income_growth="0.04",
    )

    key: str = Field(description="the standard's key, one of docs/STANDARDS.md's table")
    value: str = Field(description="money in yuan or a ratio as a decimal string")
    effective_from: BusinessDate = Field(description="first day the value applies")
    basis: Text = Field(description="the document that sets it (kept in the event)")
    region_code: str | None = Field(
        default=None, description="a county's code for a county value; absent: the city's"
    )
    cited_income_growth: Ratio | None = Field(
        default=None, description="§6: per-capita disposable income growth the dibao rise cites"
    )
    cited_urban_consumption: Yuan | None = Field(
        default=None,
        description="§6: last year's urban per-capita consumption a tekun standard cites",
    )
    override_reason: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None, description="why a dibao rise below cited_income_growth is recorded anyway"
    )


class CalendarDayIn(Input):
    """A day of the city's working-day calendar (POLICY ch. 14): a public holiday
    (`working` false) or a make-up working day 调休 (`working` true), or a correction of
    either. The day's latest mark decides; the same mark again records nothing."""

    model_config = example(
        day="2027-02-06", working=True, basis="国务院办公厅关于2027年部分节假日安排的通知"
    )

    day: BusinessDate = Field(description="the day marked")
    working: StrictBool = Field(description="true: a working day; false: not (a holiday)")
    basis: Text = Field(description="why: the notice or decision that sets it")


class CalendarDayOut(BaseModel):
    """A day's latest mark on the calendar."""

    model_config = example(
        day="2027-02-06",
        working=True,
        basis="国务院办公厅关于2027年部分节假日安排的通知",
        actor="admin-chen",
        version="calendar:75",
        weekday="Saturday",
    )

    day: date = Field(description="the day marked")
    working: bool = Field(description="true: a working day; false: not")
    basis: str = Field(description="why, as recorded")
    actor: str = Field(description="who recorded the mark (system:seed for a default)")
    version: str = Field(description="the calendar stream's version that recorded it")
    weekday: str = Field(description="the day of the week, in English")


class CalendarMarkOut(CalendarDayOut):
    """The day's mark after the request; `recorded` false when it was already so."""

    model_config = example(
        day="2027-02-06",
        working=True,
        basis="国务院办公厅关于2027年部分节假日安排的通知",
        actor="admin-chen",
        version="calendar:75",
        weekday="Saturday",
        recorded=True,
    )

    recorded: bool = Field(description="true: recorded now; false: already the day's mark")


class CalendarYearOut(BaseModel):
    """A year of the calendar: the days marked (holidays, make-up days, corrections) and
    the working days of each month."""

    model_config = example(
        year=2026,
        days=[
            {
                "day": "2026-02-14",
                "working": True,
                "basis": "PARAM: the bureau confirms against the State Council notice",
                "actor": "system:seed",
                "version": "calendar:40",
                "weekday": "Saturday",
            }
        ],
        working_days={"2026-01": 21, "2026-02": 16},
    )

    year: int = Field(description="the year listed")
    days: list[CalendarDayOut] = Field(description="the year's marked days, in date order")
    working_days: dict[str, int] = Field(description='working days per month, keyed "YYYY-MM"')


class RefusedHousehold(BaseModel):
    """A household a standard change could not be applied to: nothing recorded for it."""

    model_config = example(
        household_id=SAMPLE_HOUSEHOLD, field="means", message="annual_income is over the limit"
    )

    household_id: str = Field(description="the household's id")
    field: str = Field(description="the input the rule refused")
    message: str = Field(description="why, in the rule's words")


class StandardChangeOut(BaseModel):
    """The recorded change and how far it reached."""

    model_config = example(
        version="330400:4",
        key="dibao_standard_annual",
        region_code="330400",
        households_adjusted=812,
        households_refused=[],
    )

    version: str = Field(description="the standards stream and version that recorded it")
    key: str = Field(description="the standard changed")
    region_code: str = Field(description="330400 for the city, else the county")
    households_adjusted: int = Field(description="households whose entitlements changed")
    households_refused: list[RefusedHousehold] = Field(
        default_factory=list,
        description="households whose recompute a rule refused: nothing recorded for them",
    )


class HouseholdIn(Input):
    """A household registered in a county (POLICY ch. 1)."""

    model_config = example(
        region_code="330402", residence="urban", address="南湖路1号", registered_on="2025-01-01"
    )

    region_code: str = Field(
        examples=["330402"], description="the county's six-digit code (330402 南湖区 ...)"
    )
    residence: Literal["urban", "rural"] = Field(description="urban or rural household")
    address: Text = Field(description="the registered address")
    registered_on: BusinessDate = Field(description="the day the household is registered")
    caseworker: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None,
        description="the responsible caseworker's user name; absent: the caseworker who "
        "registers it (docs/WORKSPACE.md)",
    )


class HouseholdCreated(BaseModel):
    """The new household's id."""

    model_config = example(household_id=SAMPLE_HOUSEHOLD)

    household_id: str = Field(description="the household's id (a UUID): its stream")


class CaseworkerIn(Input):
    """Who is responsible for the household from `on` (an approver reassigns it)."""

    model_config = example(caseworker="caseworker02", on="2025-07-01", reason="调岗：片区调整")

    caseworker: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        description="the caseworker's user name (as their token names them)"
    )
    on: BusinessDate | None = Field(default=None, description="from this day; default today")
    reason: Annotated[str, Field(max_length=2000)] = Field(
        default="", description="why (kept in the event)"
    )


class CaseworkerOut(BaseModel):
    """The household's responsible caseworker after the request."""

    model_config = example(household_id=SAMPLE_HOUSEHOLD, caseworker="caseworker02", recorded=True)

    household_id: str = Field(description="the household's id")
    caseworker: str = Field(description="responsible now")
    recorded: bool = Field(description="false: they already were (nothing recorded)")


class MemberIn(Input):
    """A member joining the household."""

    model_config = example(
        name="张三",
        id_number=SAMPLE_ID_NUMBER,
        relation="head",
        birth_on="1980-01-01",
        severe_disability=False,
        severe_illness=False,
        employment="unemployed_registered",
    )

    name: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="the member's name"
    )
    id_number: str = Field(
        examples=[SAMPLE_ID_NUMBER],
        description="resident ID number, 18 characters with a valid GB 11643 check digit",
    )
    relation: Literal[RELATIONS] = Field(  # type: ignore[valid-type]
        description="relation to the household's head"
    )
    birth_on: BusinessDate = Field(description="date of birth")
    severe_disability: bool = Field(default=False, description="grade 1 or 2 disability")
    severe_illness: bool = Field(default=False, description="a recognised severe illness")
    school_stage: Literal[SCHOOL_STAGES] | None = Field(  # type: ignore[valid-type]
        default=None, description="a student's stage (§11 education aid)"
    )
    employment: Literal[EMPLOYMENT] | None = Field(  # type: ignore[valid-type]
        default=None, description="employment status (§7, §21)"
    )
    joined_on: BusinessDate | None = Field(
        default=None, description="the day the member joined; default the registration day"
    )


class MemberCreated(BaseModel):
    """The new member's id within the household."""

    model_config = example(member_id=SAMPLE_MEMBER)

    member_id: str = Field(description="the member's id (a UUID)")


class MemberChangeIn(Input):
    """A change in a member's circumstances from a date; absent fields stay as they are."""

    model_config = example(effective_on="2025-09-01", school_stage="junior")

    effective_on: BusinessDate = Field(description="first day of the change")
    severe_disability: bool | None = Field(default=None, description="grade 1 or 2 disability")
    severe_illness: bool | None = Field(default=None, description="a recognised severe illness")
    school_stage: Literal[SCHOOL_STAGES] | None = Field(  # type: ignore[valid-type]
        default=None, description="a student's new stage"
    )
    employment: Literal[EMPLOYMENT] | None = Field(  # type: ignore[valid-type]
        default=None, description="the new employment status"
    )
    left_household: bool | None = Field(default=None, description="true: the member left")


class MeansIn(Input):
    """The household's means for the §5 means test (POLICY ch. 2), in yuan a year."""

    model_config = example(annual_income="4200.00", rigid_deductions="0", car_insurance_value="0")

    annual_income: Yuan = Field(description="the household's income over the last 12 months")
    rigid_deductions: Yuan = Field(
        default="0", description="rigid spending deducted from income (medical, education)"
    )
    car_insurance_value: Yuan = Field(
        default="0", description="insured value of the household's cars (§5 car limit)"
    )


class ConsentIn(Input):
    """One member's signed authorisation of the economic-status check (授权书)."""

    model_config = example(member_id="1", signed_on="2025-02-01")

    member_id: str = Field(description="the member who signed")
    signed_on: BusinessDate = Field(description="the day they signed")


class ApplicationIn(Input):
    """An application for a programme, decided later by an approver."""

    model_config = example(
        programme="dibao", effective_from="2025-02-01", means={"annual_income": "4200.00"}
    )

    programme: str = Field(
        description="dibao, dibao_single, tekun, marginal, low_income, or one of the other "
        "helps (docs/HELPS.md)"
    )
    effective_from: BusinessDate = Field(description="first day the help would be owed")
    means: MeansIn | None = Field(default=None, description="needed by the means-tested ones")
    member_id: str | None = Field(
        default=None, description="the member a personal programme is for (tekun, subsidies)"
    )
    details: dict[str, Any] | None = Field(
        default=None, description="programme-specific inputs (docs/HELPS.md)"
    )
    consents: list[ConsentIn] | None = Field(
        default=None,
        description="a category's application (POLICY ch. 14): every member present on the "
        "receipt date signs the authorisation of the economic-status check (授权书)",
    )
    received_on: BusinessDate | None = Field(
        default=None, description="the receipt date on the statutory path (default effective_from)"
    )


class ApplicationCreated(BaseModel):
    """The submitted application's id."""

    model_config = example(application_id="0c7d5e2f-4a1b-4f3e-8d6c-5b9a8e7f6d21")

    application_id: str = Field(description="the application's id (a UUID)")


class DeterminationIn(Input):
    """An approver's decision; never on an application the same user submitted (POLICY ch. 9)."""

    model_config = example(decision="approve", reason="家计核查属实")

    decision: Literal["approve", "reject"] = Field(description="approve or reject")
    reason: Text = Field(description="why (kept in the event)")
    on: BusinessDate | None = Field(
        default=None,
        description="the decision's date on the statutory path (default today, Beijing time)",
    )


class LifeEventIn(Input):
    """A member's death, move of registered residence (户籍迁出) or imprisonment, as
    reported (POLICY ch. 15): a proposal an approver confirms or rejects."""

    model_config = example(kind="death", on="2025-05-10", source="民政局殡葬管理所")

    kind: Literal[LIFE_EVENT_KINDS] = Field(  # type: ignore[valid-type]
        description="death, residence_moved_out or imprisonment"
    )
    on: BusinessDate = Field(description="the event's date (the day of death, of the move)")
    source: Text = Field(description="who reported it: caseworker or a partner department")


class LifeEventDecisionIn(Input):
    """An approver's decision on a life event; never by its reporter (POLICY ch. 9)."""

    model_config = example(decision="confirm", reason="死亡证明核实")

    decision: Literal["confirm", "reject"] = Field(description="confirm or reject")
    reason: Text = Field(description="why (kept in the event)")


class EntitlementOut(BaseModel):
    """An entitlement a determination grants."""

    model_config = example(programme="dibao", member_id=None, monthly_amount="900.00")

    programme: str = Field(description="the programme")
    member_id: str | None = Field(default=None, description="the member, for a personal one")
    monthly_amount: str | None = Field(default=None, description="monthly programmes")
    amount: str | None = Field(default=None, description="one-off grants")


class DeterminationOut(BaseModel):
    """The outcome, the amounts, and how they were worked out."""

    model_config = example(
        outcome="approved",
        category="dibao",
        entitlements=[{"programme": "dibao", "member_id": None, "monthly_amount": "900.00"}],
        explanation="dibao: 1 member x 1250.00 - 350.00 monthly income = 900.00",
    )

    outcome: str = Field(description="approved or rejected")
    category: str | None = Field(default=None, description="the household's category, if any")
    entitlements: list[EntitlementOut] = Field(description="what is owed from effective_from")
    explanation: str = Field(description="the rule's working, in words and figures")


class EntitlementInForce(BaseModel):
    """An entitlement in force on the day asked (as known at the time asked)."""

    model_config = example(
        programme="dibao",
        member_id=None,
        monthly_amount="900.00",
        effective_from="2025-02-01",
        effective_to=None,
        standard_version="330400:2",
        suspended=False,
    )

    programme: str = Field(description="the programme")
    member_id: str | None = Field(default=None, description="the member, for a personal one")
    monthly_amount: str = Field(description="yuan a month")
    effective_from: date = Field(description="first day of this amount")
    effective_to: date | None = Field(
        default=None, description="last day of this amount as known; absent while open"
    )
    standard_version: str = Field(description="the standards version the amount used")
    suspended: bool = Field(default=False, description="suspended: not paid (amount 0.00)")


class EntitlementChangeOut(BaseModel):
    """One change of an entitlement, with its cause."""

    model_config = example(
        programme="dibao",
        member_id=None,
        monthly_amount="900.00",
        amount=None,
        ended=False,
        effective_from="2025-02-01",
        recorded_at="2025-02-03T09:12:00+08:00",
        reason="家计核查属实",
        cause="determination",
        standard_version="330400:2",
        actor="王审批",
    )

    programme: str = Field(description="the programme")
    member_id: str | None = Field(default=None, description="the member, for a personal one")
    monthly_amount: str | None = Field(
        default=None, description="the monthly amount from effective_from; null for a grant"
    )
    amount: str | None = Field(
        default=None, description="a one-off grant's amount (cause grant); null otherwise"
    )
    ended: bool = Field(description="true: the entitlement ends at effective_from")
    effective_from: date = Field(description="first day of the change")
    recorded_at: datetime = Field(description="when the ledger recorded it")
    reason: str = Field(description="why")
    cause: str = Field(
        description="determination, standard_change, suspension, resumption or grant"
    )
    standard_version: str = Field(description="the standards version used")
    actor: str = Field(description="who recorded it")


class EventOut(BaseModel):
    """One event of the household's stream."""

    model_config = example(
        position=1,
        type="HouseholdRegistered",
        effective_on="2025-01-01",
        recorded_at="2025-01-02T10:00:00+08:00",
        actor="李社工",
        data={"region_code": "330402", "residence": "urban"},
    )

    position: int = Field(description="the event's version in the stream, from 1")
    type: str = Field(description="the event's class")
    effective_on: date = Field(description="the business date it takes effect")
    recorded_at: datetime = Field(description="when it was recorded")
    actor: str = Field(description="who recorded it")
    data: dict[str, Any] = Field(description="its fields (money in yuan, ID numbers masked)")


class PayersIn(Input):
    """What others paid of the bill (§15), in yuan."""

    model_config = example(
        basic_insurance="6000.00",
        critical_illness_insurance="1000.00",
        medical_assistance="0",
        charity="0",
    )

    basic_insurance: Yuan = Field(default="0", description="basic medical insurance")
    critical_illness_insurance: Yuan = Field(default="0", description="critical illness cover")
    medical_assistance: Yuan = Field(default="0", description="medical assistance")
    charity: Yuan = Field(default="0", description="charity")


class BillItemIn(Input):
    """One line of a bill (§16 waivers are by kind)."""

    model_config = example(kind="consultation", amount="20.00")

    kind: Literal[ITEM_KINDS] = Field(  # type: ignore[valid-type]
        description="the item's kind (docs/MEDICAL.md)"
    )
    amount: Yuan = Field(description="the item's amount")


class MedicalBillIn(Input):
    """A medical bill of a member (POLICY ch. 15-17, docs/MEDICAL.md)."""

    model_config = example(
        member_id=SAMPLE_MEMBER,
        service_on="2025-03-10",
        total="10000.00",
        insurance_paid="6000.00",
        self_paid="4000.00",
        settlement_number="JX2025031000001",
    )

    member_id: str = Field(description="the member treated")
    service_on: BusinessDate = Field(description="the day of the service (its cap year)")
    total: Yuan = Field(description="the bill's total")
    insurance_paid: Yuan = Field(description="paid by insurance")
    self_paid: Yuan = Field(description="left to the member")
    payers: PayersIn | None = Field(default=None, description="the payers, when itemised")
    settlement_number: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="the insurer's settlement number: one bill per number"
    )
    items: list[BillItemIn] | None = Field(
        default=None, max_length=200, description="the bill's items, for the §16 waivers"
    )
    reason: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None, description="why a correction is made (PUT only)"
    )


class MedicalBillOut(BaseModel):
    """A recorded bill and how its self-pay splits against the caps."""

    model_config = example(
        bill_id="f33d0344-5c1c-4c7b-b184-13047af035a8",
        member_id=SAMPLE_MEMBER,
        cap_year=2025,
        kept="4000.00",
        relief="0.00",
        waived="0.00",
        counted="4000.00",
        cancelled=False,
    )

    bill_id: str = Field(description="the bill's id (a UUID)")
    member_id: str = Field(description="the member treated")
    cap_year: int = Field(description="the cap year the bill counts in")
    kept: str = Field(description="self-pay that counts towards the caps")
    relief: str = Field(description="paid by the medical safety fund over the caps")
    waived: str = Field(description="§16 hospital waiver")
    counted: str = Field(description="self-pay after the waiver")
    cancelled: bool = Field(default=False, description="true once the bill is cancelled")


class MoveIn(Input):
    """A member moving to another household; their bills' cap totals go with them."""

    model_config = example(to_household_id=SAMPLE_HOUSEHOLD, effective_on="2025-06-01")

    to_household_id: UUID = Field(description="the household the member joins")
    effective_on: BusinessDate = Field(description="the day of the move")


class AccountIn(Input):
    """Where the member's payments go (POLICY ch. 4)."""

    model_config = example(
        kind="bank", account_number="6222021234567890123", bank_name="中国工商银行嘉兴分行"
    )

    kind: Literal["bank", "one_card"] = Field(
        description="a bank account, or the social security one-card (一卡通)"
    )
    account_number: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        description="the account number (shown whole only to finance)"
    )
    bank_name: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="the bank"
    )


class SuspensionIn(Input):
    """Suspend (or resume) a monthly entitlement from a date; member_id for a person's."""

    model_config = example(effective_on="2025-08-01", reason="户籍迁出待核实")

    effective_on: BusinessDate = Field(description="first day suspended (or resumed)")
    reason: Text = Field(description="why (kept in the event)")
    member_id: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="the member, for a personal entitlement"
    )


class PaymentRunIn(Input):
    """The month to pay (POLICY ch. 4)."""

    model_config = example(period="2025-07")

    period: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2025-07"])] = Field(
        description="YYYY-MM"
    )


class WaitingOut(BaseModel):
    """Something owed that no run can pay yet (docs/PAYMENTS.md, "What waits")."""

    model_config = example(
        kind="grant",
        payment_id="0c7d5e2f-4a1b-4f3e-8d6c-5b9a8e7f6d21",
        household_id=SAMPLE_HOUSEHOLD,
        programme="education_aid",
        member_id="m-2",
        period="2025-09",
        amount="1000.00",
        why="Education aid (§11), one-off grant of 1000.00 approved by approver-wang from "
        "2025-09-01: the household has no payee account; the first run after one is "
        "recorded pays it",
    )

    kind: Literal["grant", "returned", "budget"] = Field(
        description="a grant whose household has no payee account, a returned payment "
        "with no account recorded since its return, or a line held because it would go "
        'past its county\'s budget for the programme (docs/PAYMENTS.md "Budgets")'
    )
    payment_id: str = Field(description="the grant's id (its payment id), or the returned line's")
    household_id: str = Field(description="the household owed")
    programme: str = Field(description="the programme or grant")
    member_id: str | None = Field(description="the member, for a personal one")
    period: str = Field(description="the month the line is for (a grant: its effective month)")
    amount: str = Field(description="owed, in yuan")
    why: str = Field(description="why it waits, and what pays it")


class RunBudgetOut(BaseModel):
    """One county's programme in a run (docs/PAYMENTS.md "Budgets")."""

    model_config = example(
        county="330421",
        programme="dibao",
        budget="397005.15",
        earlier="360376.00",
        this_run="34647.00",
        committed="395023.00",
        remaining="1982.15",
        held_lines=1,
        held="3910.00",
        status="held",
        override=None,
    )

    county: str = Field(description="the county's code")
    programme: str = Field(description="the programme")
    budget: str | None = Field(description="the year's budget in yuan; null: none recorded")
    earlier: str = Field(description="released by earlier runs of the year, in yuan")
    this_run: str = Field(description="released by this run, in yuan")
    committed: str = Field(description="earlier + this run, in yuan")
    remaining: str | None = Field(description="budget - committed, in yuan (negative: over)")
    held_lines: int = Field(description="lines this run held for the budget")
    held: str = Field(description="their total in yuan")
    status: str = Field(description='"within budget", "held", "overridden" or "no budget recorded"')
    override: dict[str, str] | None = Field(description="the override of this run: who, why")


class PaymentRunOut(BaseModel):
    """A scheduled run: one payment per payee and month (again: nothing new)."""

    model_config = example(
        run_id="2b9e4c1a-7d3f-4e8a-b5c6-0f1e2d3c4b5a",
        period="2025-07",
        payments=812,
        total="731400.00",
        households=812,
        grants=3,
        grants_total="6000.00",
        re_issued=1,
        re_issued_total="1250.00",
        waiting=[],
    )

    run_id: str = Field(description="the run's id")
    period: str = Field(description="the month paid, YYYY-MM")
    payments: int = Field(description="payments scheduled")
    total: str = Field(description="their total in yuan")
    households: int = Field(description="households paid")
    grants: int = Field(description="of the payments: one-off grants (kind grant)")
    grants_total: str = Field(description="their total in yuan")
    re_issued: int = Field(
        description="of the payments: failed ones offered again and returned ones re-issued"
    )
    re_issued_total: str = Field(description="their total in yuan")
    waiting: list[WaitingOut] = Field(
        description="what the run could not pay: grants with no payee account, returns with "
        "no account recorded since (as the run found them), lines held for a budget"
    )
    budgets: list[RunBudgetOut] = Field(
        default_factory=list,
        description="per county and programme the run paid or with a budget: the budget "
        "(null: no budget recorded), committed by earlier runs of the year and by this one, "
        "remaining, what was held",
    )


class AcknowledgementIn(Input):
    """The bank's answer for one payment."""

    model_config = example(
        status="paid", bank_reference="ICBC-20250703-0001", at="2025-07-03T10:00:00+08:00"
    )

    status: Literal["paid", "failed", "returned"] = Field(description="the bank's outcome")
    bank_reference: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        description="the bank's reference (an acknowledgement is kept once per reference)"
    )
    at: datetime = Field(description="when the bank answered, with its UTC offset")
    reason: Annotated[str, Field(max_length=200)] | None = Field(
        default=None,
        description="with a return (退票): the bank's reason, e.g. AC04 account closed or "
        "BE01 name does not match the account",
    )


class ErrorOut(BaseModel):
    """Every error's body (400, 401, 403, 404, 409, 413, 422, 500, 503)."""

    model_config = example(
        error="invalid_input",
        message="id_number fails the GB 11643 check digit: the last character should be 2",
        field="id_number",
    )

    error: str = Field(description="a stable code: invalid_input, policy_rule, forbidden ...")
    message: str = Field(description="what is wrong, for people")
    field: str | None = Field(default=None, description="the input at fault, when one is")


# ---------------------------------------------------------------- the statutory path


class StepIn(Input):
    """A step of the application's statutory path on a date (POLICY ch. 14)."""

    model_config = example(on="2025-02-03")

    on: BusinessDate = Field(description="the step's date")


class DocumentsIn(StepIn):
    model_config = example(documents="户口簿、收入证明", on="2025-02-03")

    documents: Text = Field(description="the documents awaited (the clock pauses meanwhile)")


class CheckIn(StepIn):
    model_config = example(request_id="tax-2025-0001", department="tax", on="2025-02-03")

    request_id: Text = Field(description="the request's own id (idempotent)")
    department: Literal["tax", "social_insurance", "housing", "vehicles", "bank_deposits"] = Field(
        description="the partner department asked"
    )


class CheckAnswerIn(StepIn):
    model_config = example(finding="no taxable income", amount="0.00", on="2025-02-07")

    finding: Text = Field(description="what the department found")
    amount: Yuan | None = Field(default=None, description="an amount it reports, in yuan")


class CheckReportIn(StepIn):
    model_config = example(means={"annual_income": "4200.00"}, on="2025-02-10")

    means: MeansIn = Field(description="the means the check found: the decision uses these")


class InvestigationIn(StepIn):
    model_config = example(staff=["社工李", "社工王"], findings="家中无贵重物品", on="2025-02-11")

    staff: list[Text] = Field(description="who investigated (at least investigators_min)")
    findings: Text = Field(description="what they found")


class ObjectionIn(StepIn):
    model_config = example(objection_id="o-1", raised_by="村民张", text="有车", on="2025-02-13")

    objection_id: Text = Field(description="the objection's own id (idempotent)")
    raised_by: Text = Field(description="who raised it")
    text: Text = Field(description="what it says")


class ResolutionIn(StepIn):
    model_config = example(outcome="dismissed", reason="车辆已过户", on="2025-02-14")

    outcome: Literal["upheld", "dismissed"] = Field(
        description="upheld: back to a new investigation and notice"
    )
    reason: Text = Field(description="why")


class ReasonIn(StepIn):
    model_config = example(reason="申请人要求", on="2025-02-14")

    reason: Text = Field(description="why")


class AppealIn(StepIn):
    model_config = example(appeal_id="a-1", kind="review", grounds="收入核算有误", on="2025-03-20")

    appeal_id: Text = Field(description="the appeal's own id (idempotent)")
    kind: Literal["review", "reconsideration"] = Field(description="复核 or 行政复议")
    grounds: Text = Field(description="the grounds")


class AppealDecisionIn(StepIn):
    model_config = example(outcome="upheld", reason="维持原决定", on="2025-04-01")

    outcome: Literal["upheld", "changed", "withdrawn"] = Field(description="the outcome")
    reason: Text = Field(description="why")
    means: MeansIn | None = Field(
        default=None, description="changed: the means the appeal found, for the new decision"
    )


class StepOut(BaseModel):
    """What a step recorded."""

    model_config = example(recorded=True, stage="noticed", notice_until="2025-02-19")

    recorded: bool = Field(description="false when the same step was already recorded")
    stage: str = Field(description="where the application now stands")
    notice_until: str | None = Field(default=None, description="the notice's last day")
    reopened_as: str | None = Field(
        default=None, description="an appeal decided changed: the application to decide anew"
    )


class ReviewIn(Input):
    """A periodic review (定期核查, POLICY ch. 15), decided by the approver on the means a
    caseworker found (`found_by`, never the approver: POLICY ch. 9)."""

    model_config = example(
        on="2025-07-01",
        means={"annual_income": "6000.00"},
        outcome="change",
        reason="年度核查：收入变化",
        found_by="caseworker-li",
    )

    on: BusinessDate = Field(
        description="the review's decision date; a change or stop runs from it"
    )
    means: MeansIn = Field(description="the means the review found, in yuan a year")
    outcome: str = Field(
        description="continue, change (a new determination), stop, or phase_out (渐退期); "
        "a stop or change of a dibao household a member's work lifted above the line is "
        "recorded as phase_out"
    )
    reason: Text = Field(description="why, for the record and the notice")
    found_by: Text = Field(description="the caseworker who recorded the means found")
    member_id: str | None = Field(
        default=None, description="the member reviewed, for a person's category (tekun)"
    )
    irregular_income: bool = Field(
        default=False, description="the income found is irregular (next review in 6 months)"
    )


class ReviewOut(BaseModel):
    """A review as recorded."""

    model_config = example(
        review_id="6f1c0c9e-1d0e-4a57-9a43-0d3f1b2c4e5f",
        on="2025-07-01",
        category="dibao",
        outcome="change",
        means_category="dibao",
        application_id="a3b1c2d4-0000-4000-8000-000000000001",
        phase_out_until=None,
        explanation="... Change: dibao from 2025-07-01 ...",
    )

    review_id: str = Field(description="the review's id")
    on: str = Field(description="the review's date")
    category: str = Field(description="the category reviewed")
    outcome: str = Field(description="continue, change, stop or phase_out, as recorded")
    means_category: str | None = Field(description="what the §5 means test gives on the date")
    application_id: str | None = Field(description="the new determination (change, phase-out)")
    phase_out_until: str | None = Field(description="phase-out: the first day without dibao")
    explanation: str = Field(description="the means test and what the review did")


class BudgetIn(Input):
    """A programme's annual budget for a county, or its revision (docs/PAYMENTS.md
    "Budgets"): amount in yuan, the document that sets it."""

    model_config = example(
        county="330402",
        year=2025,
        programme="dibao",
        amount="1200000.00",
        document="嘉民〔2025〕12号",
    )

    county: str = Field(description="a county of Jiaxing by code (330402) or name (南湖区)")
    year: int = Field(description="the budget year, e.g. 2025")
    programme: str = Field(description="a programme of the registry, e.g. dibao")
    amount: str = Field(description="the year's budget in yuan, a decimal string")
    document: str = Field(description="the document reference, e.g. 嘉民〔2025〕12号")


class BudgetOverrideIn(Input):
    """Let one run release a budget's lines past its amount; who and why recorded."""

    model_config = example(
        county="330402",
        year=2025,
        programme="dibao",
        run_period="2025-08",
        reason="追加预算待批，先行发放",
        document="嘉财〔2025〕3号",
    )

    county: str = Field(description="a county of Jiaxing by code or name")
    year: int = Field(description="the budget year")
    programme: str = Field(description="a programme of the registry")
    run_period: str = Field(description="the run (YYYY-MM) the override lets through")
    reason: str = Field(description="why (recorded with who)")
    document: str = Field("", description="the document that approves it, if any")
