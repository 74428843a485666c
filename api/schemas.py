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
    ValidationInfo,
    field_validator,
)

from domain.errors import InvalidInputError
from domain.household import EMPLOYMENT, RELATIONS, SCHOOL_STAGES
from domain.medical import ITEM_KINDS
from domain.money import parse_ratio, parse_yuan
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
    key: str
    value: str = Field(description="money in yuan or a ratio as a decimal string")
    effective_from: BusinessDate
    basis: Text
    region_code: str | None = None
    cited_income_growth: Ratio | None = None
    cited_urban_consumption: Yuan | None = None
    override_reason: Annotated[str, Field(max_length=2000)] | None = None


class RefusedHousehold(BaseModel):
    household_id: str
    field: str
    message: str


class StandardChangeOut(BaseModel):
    version: str
    key: str
    region_code: str
    households_adjusted: int
    households_refused: list[RefusedHousehold] = Field(
        default_factory=list,
        description="households whose recompute a rule refused: nothing recorded for them",
    )


class HouseholdIn(Input):
    region_code: str = Field(examples=["330402"])
    residence: Literal["urban", "rural"]
    address: Text
    registered_on: BusinessDate


class HouseholdCreated(BaseModel):
    household_id: str


class MemberIn(Input):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    id_number: str
    relation: Literal[RELATIONS]  # type: ignore[valid-type]
    birth_on: BusinessDate
    severe_disability: bool = False
    severe_illness: bool = False
    school_stage: Literal[SCHOOL_STAGES] | None = None  # type: ignore[valid-type]
    employment: Literal[EMPLOYMENT] | None = None  # type: ignore[valid-type]
    joined_on: BusinessDate | None = None


class MemberCreated(BaseModel):
    member_id: str


class MemberChangeIn(Input):
    effective_on: BusinessDate
    severe_disability: bool | None = None
    severe_illness: bool | None = None
    school_stage: Literal[SCHOOL_STAGES] | None = None  # type: ignore[valid-type]
    employment: Literal[EMPLOYMENT] | None = None  # type: ignore[valid-type]
    left_household: bool | None = None


class MeansIn(Input):
    annual_income: Yuan
    rigid_deductions: Yuan = "0"
    car_insurance_value: Yuan = "0"


class ApplicationIn(Input):
    programme: str
    effective_from: BusinessDate
    means: MeansIn | None = None
    member_id: str | None = None
    details: dict[str, Any] | None = None


class ApplicationCreated(BaseModel):
    application_id: str


class DeterminationIn(Input):
    decision: Literal["approve", "reject"]
    reason: Text


class EntitlementOut(BaseModel):
    programme: str
    member_id: str | None = None
    monthly_amount: str | None = Field(default=None, description="monthly programmes")
    amount: str | None = Field(default=None, description="one-off grants")


class DeterminationOut(BaseModel):
    outcome: str
    category: str | None = None
    entitlements: list[EntitlementOut]
    explanation: str


class EntitlementInForce(BaseModel):
    programme: str
    member_id: str | None = None
    monthly_amount: str
    effective_from: date
    effective_to: date | None = Field(
        default=None, description="last day of this amount as known; absent while open"
    )
    standard_version: str
    suspended: bool = Field(default=False, description="suspended: not paid (amount 0.00)")


class EntitlementChangeOut(BaseModel):
    programme: str
    member_id: str | None = None
    monthly_amount: str | None = Field(
        default=None, description="the monthly amount from effective_from; null for a grant"
    )
    amount: str | None = Field(
        default=None, description="a one-off grant's amount (cause grant); null otherwise"
    )
    ended: bool
    effective_from: date
    recorded_at: datetime
    reason: str
    cause: str
    standard_version: str
    actor: str


class EventOut(BaseModel):
    position: int
    type: str
    effective_on: date
    recorded_at: datetime
    actor: str
    data: dict[str, Any]


class PayersIn(Input):
    basic_insurance: Yuan = "0"
    critical_illness_insurance: Yuan = "0"
    medical_assistance: Yuan = "0"
    charity: Yuan = "0"


class BillItemIn(Input):
    kind: Literal[ITEM_KINDS]  # type: ignore[valid-type]
    amount: Yuan


class MedicalBillIn(Input):
    member_id: str
    service_on: BusinessDate
    total: Yuan
    insurance_paid: Yuan
    self_paid: Yuan
    payers: PayersIn | None = None
    settlement_number: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    items: list[BillItemIn] | None = Field(default=None, max_length=200)
    reason: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None, description="why a correction is made (PUT only)"
    )


class MedicalBillOut(BaseModel):
    bill_id: str
    member_id: str
    cap_year: int
    kept: str = Field(description="self-pay that counts towards the caps")
    relief: str = Field(description="paid by the medical safety fund over the caps")
    waived: str = Field(description="§16 hospital waiver")
    counted: str = Field(description="self-pay after the waiver")
    cancelled: bool = False


class MoveIn(Input):
    to_household_id: UUID
    effective_on: BusinessDate


class AccountIn(Input):
    kind: Literal["bank", "one_card"]
    account_number: Annotated[str, Field(min_length=1, max_length=40)]
    bank_name: Annotated[str, Field(max_length=200)] | None = None


class SuspensionIn(Input):
    """Suspend (or resume) a monthly entitlement from a date; member_id for a person's."""

    effective_on: BusinessDate
    reason: Text
    member_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class PaymentRunIn(Input):
    period: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2025-07"])]


class PaymentRunOut(BaseModel):
    run_id: str
    period: str
    payments: int
    total: str
    households: int


class AcknowledgementIn(Input):
    status: Literal["paid", "failed", "returned"]
    bank_reference: Annotated[str, Field(min_length=1, max_length=100)]
    at: datetime
