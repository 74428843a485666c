"""The API's schema documents itself: every property of every component schema has a
description, every schema an example, the examples are bodies the API accepts, and the
sample ID number passes the project's GB 11643 check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import api.routers.care
import api.routers.simulations
import api.routers.warnings
import api.schemas
from api.main import create_app
from api.schemas import SAMPLE_ID_NUMBER
from domain.idnumber import validate_id_number
from services.settings import Settings


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp: Path = tmp_path_factory.mktemp("openapi")
    settings = Settings(secret="s" * 40, data_dir=tmp, database_url=f"sqlite:///{tmp / 'l.db'}")
    return create_app(settings).openapi()  # the schema alone: no ledger is opened


def test_every_property_has_a_description_and_every_schema_an_example(spec):
    schemas = spec["components"]["schemas"]
    assert len(schemas) > 30
    undescribed = [
        f"{name}.{prop}"
        for name, schema in schemas.items()
        for prop, body in schema.get("properties", {}).items()
        if not body.get("description")
    ]
    without_example = [
        name
        for name, schema in schemas.items()
        if not (schema.get("examples") or "example" in schema)
    ]
    assert undescribed == []
    assert without_example == []


def test_errors_are_documented_as_the_ledger_answers_them(spec):
    """422 is `{error, message, field?}` (api/errors.py), not FastAPI's `{detail}`."""
    text = json.dumps(spec)
    assert "HTTPValidationError" not in text
    register = spec["paths"]["/households"]["post"]["responses"]["422"]
    assert register["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }


def test_the_sample_id_number_is_a_valid_gb_11643_number(spec):
    """330402 (南湖区), born 1980-01-01, sequence 002, check digit 2."""
    assert validate_id_number(SAMPLE_ID_NUMBER) == SAMPLE_ID_NUMBER
    member = spec["components"]["schemas"]["MemberIn"]
    (body,) = member["examples"]
    assert body["id_number"] == SAMPLE_ID_NUMBER
    assert member["properties"]["id_number"]["examples"] == [SAMPLE_ID_NUMBER]
    assert body["birth_on"] == "1980-01-01"  # the date the number carries


def _models() -> list[type[BaseModel]]:
    found = []
    for module in (api.schemas, api.routers.care, api.routers.simulations, api.routers.warnings):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    found.remove(api.schemas.Input)  # the base class of request bodies
    return found


@pytest.mark.parametrize("model", _models(), ids=lambda m: m.__name__)
def test_each_example_is_a_body_the_model_accepts(model):
    """An example a user copies from /docs must not be refused (422) by its own schema."""
    examples = (model.model_config.get("json_schema_extra") or {}).get("examples")
    assert examples, f"{model.__name__} has no example"
    for body in examples:
        model.model_validate(body)
