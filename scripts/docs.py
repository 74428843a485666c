"""Generated parts of the docs, kept true by a test (tests/unit/test_docs.py).

Run `python -m scripts.docs` to rewrite them: the standards table at the end of
docs/STANDARDS.md, the standards table of docs/POLICY.md, the plan items' table of
docs/MAP.md (from the registry), and the operations and bodies of docs/API.md (from the
application's routes and its OpenAPI schema). Each generated part of POLICY.md, MAP.md
and API.md sits between a `<!-- BEGIN generated: NAME -->` and an
`<!-- END generated: NAME -->` line; everything else is written by hand.
"""

from __future__ import annotations

import inspect
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from domain.policy.registry import REGISTRY
from domain.standards import KEYS, format_value, seeds

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "STANDARDS.md"
POLICY = ROOT / "docs" / "POLICY.md"
API = ROOT / "docs" / "API.md"
MAP = ROOT / "docs" / "MAP.md"
HEADER = "| key | value | from | kind | basis |\n|---|---|---|---|---|\n"


def _kind(placeholder: bool) -> str:
    return "PARAM (placeholder)" if placeholder else "SEED"


def standards_table() -> str:
    rows = [
        f"| `{seed.key}` | {format_value(seed.key, seed.value)} | "
        f"{seed.effective_from.isoformat()} | "
        f"{_kind(seed.placeholder)} | {seed.basis} |"
        for seed in seeds()
    ]
    return HEADER + "\n".join(rows) + "\n"


def policy_standards_table() -> str:
    """Every standard the ledger declares, with its meaning and its seeded values."""
    lines = [
        "| key | meaning | default (from) | kind |",
        "|---|---|---|---|",
    ]
    for key, declared in KEYS.items():
        dated = [s for s in seeds() if s.key == key]
        values = "; ".join(
            f"{format_value(key, s.value)} ({s.effective_from.isoformat()})" for s in dated
        )
        kinds = " / ".join(dict.fromkeys(_kind(s.placeholder) for s in dated)) or "none seeded"
        lines.append(f"| `{key}` | {declared.meaning} | {values or '–'} | {kinds} |")
    return "\n".join(lines) + "\n"


def _roles(dependant: Any) -> list[str]:
    found: list[str] = []
    for dependency in dependant.dependencies:
        found.extend(getattr(dependency.call, "roles", ()))
        found.extend(_roles(dependency))
    return list(dict.fromkeys(found))


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    end = flat.find(". ")
    return (flat[: end + 1] if end >= 0 else flat).replace("|", "\\|")


def _openapi() -> dict[str, Any]:
    from api.main import create_app
    from services.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            secret="docs-" + "s" * 40, data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/l.db"
        )
        return create_app(settings).openapi()  # the schema only: no ledger is opened


def api_operations() -> str:
    """One row per operation: method, path, the roles that may call it, the body it
    takes, the status it answers on success, and the first sentence of its docstring."""
    from fastapi.routing import APIRoute

    from api.main import ROUTERS

    spec = _openapi()
    lines = [
        "| method | path | roles | body | success | what |",
        "|---|---|---|---|---|---|",
    ]
    for router in ROUTERS:
        for route in router.routes:
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            for method in sorted(route.methods):
                operation = spec["paths"][route.path][method.lower()]
                body = operation.get("requestBody", {}).get("content", {})
                ref = next(iter(body.values()), {}).get("schema", {}).get("$ref", "")
                name = ref.rsplit("/", 1)[-1]
                success = next(c for c in operation["responses"] if c.startswith("2"))
                roles = ", ".join(_roles(route.dependant)) or "none (no token)"
                what = _first_sentence(
                    route.summary or inspect.getdoc(route.endpoint) or route.name
                )
                lines.append(
                    f"| {method} | `{route.path}` | {roles} | "
                    f"{f'[{name}](#{name.lower()})' if name else '–'} | {success} | {what} |"
                )
    return "\n".join(lines) + "\n"


def _type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in prop:
        kinds = [_type(p) for p in prop["anyOf"] if p.get("type") != "null"]
        return " or ".join(kinds) + ("?" if len(kinds) < len(prop["anyOf"]) else "")
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if prop.get("type") == "array":
        return f"list of {_type(prop.get('items', {}))}"
    kind = str(prop.get("type", "any"))
    return f"{kind} ({prop['format']})" if "format" in prop else kind


def api_bodies() -> str:
    """Each request and response body of the schema: its fields, types, whether they are
    required, their descriptions, and the example /docs shows."""
    import json

    schemas = _openapi()["components"]["schemas"]
    parts: list[str] = []
    for name in sorted(schemas):
        schema = schemas[name]
        required = set(schema.get("required", ()))
        parts.append(f"### {name}\n\n{' '.join(schema.get('description', '').split())}\n")
        parts.append("| field | type | required | meaning |\n|---|---|---|---|")
        for field, prop in schema.get("properties", {}).items():
            description = " ".join(prop.get("description", "").split()).replace("|", "\\|")
            yes = "yes" if field in required else "no"
            parts.append(f"| `{field}` | {_type(prop)} | {yes} | {description} |")
        for example in schema.get("examples", ()):
            text = json.dumps(example, ensure_ascii=False)
            parts.append(f"\nExample: `{text}`")
        parts.append("")
    return "\n".join(parts)


def plan_map() -> str:
    """One row per module of the registry: the plan item, its code, what it declares and
    its unit tests (tests/unit/policy/test_<module>.py)."""
    lines = [
        "| plan item | module | programmes (kind, level) | standards | tests |",
        "|---|---|---|---|---|",
    ]
    for module in REGISTRY.modules:
        path = Path(inspect.getfile(module)).resolve().relative_to(ROOT)
        stem = path.stem
        numbered = stem[0] == "s" and stem[1:3].isdigit()
        item = f"§{int(stem[1:3])}" if numbered else str(getattr(module, "PLAN_ITEMS", "–"))
        programmes = ", ".join(
            f"`{p.name}` ({p.kind.value}, {p.level.value})"
            for p in getattr(module, "PROGRAMMES", ())
        )
        keys = ", ".join(f"`{p.key}`" for p in getattr(module, "PARAMETERS", ()))
        tail = stem.split("_", 1)[1] if numbered else stem
        tests = sorted((ROOT / "tests" / "unit" / "policy").glob(f"test_*{tail}.py"))
        found = ", ".join(f"[{t.name}](../{t.relative_to(ROOT)})" for t in tests)
        lines.append(
            f"| {item} | [{path.name}](../{path}) | {programmes or '–'} | {keys or '–'} | "
            f"{found or '–'} |"
        )
    return "\n".join(lines) + "\n"


GENERATED: dict[Path, dict[str, Callable[[], str]]] = {
    POLICY: {"standards": policy_standards_table},
    MAP: {"plan": plan_map},
    API: {"operations": api_operations, "bodies": api_bodies},
}


def fill(text: str, name: str, body: str) -> str:
    """`text` with the part NAME replaced by `body`."""
    begin, end = f"<!-- BEGIN generated: {name} -->\n", f"<!-- END generated: {name} -->"
    start = text.index(begin) + len(begin)
    return text[:start] + body + text[text.index(end, start) :]


def rendered(path: Path) -> str:
    """The file as `python -m scripts.docs` would write it."""
    text = path.read_text()
    for name, make in GENERATED[path].items():
        text = fill(text, name, make())
    return text


def main() -> None:
    text = DOC.read_text()
    DOC.write_text(text[: text.index(HEADER)] + standards_table())
    for path in GENERATED:
        path.write_text(rendered(path))


if __name__ == "__main__":
    main()
