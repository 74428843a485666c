"""`ledger`: serve, token, demo, import, import-bills, import-check-answers,
import-life-events, import-statement, replay, verify, checkpoint-key, checkpoint, rebuild,
bench (typer + rich)."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import psycopg
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.auth import ROLES, TokenError, issue_token
from domain.errors import LedgerError
from domain.money import format_yuan
from projections.runner import VIEWS
from services.ledger import Ledger
from services.rows import RowsReport
from services.settings import Settings, SettingsError, load_settings

cli = typer.Typer(
    help="The Jiaxing benefits ledger (共富十助). Settings come from LEDGER_* variables.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)
out = Console()


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        err.print(f"[red]setting error:[/red] {error}")
        raise typer.Exit(2) from None


def _open(settings: Settings | None = None) -> Ledger:
    return Ledger.open(settings or _settings())


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[
        int, typer.Option(help="server processes (each with its own connection pool)")
    ] = 1,
    access_log: Annotated[
        bool, typer.Option(help="log every request to stderr (the PIPL trail is kept anyway)")
    ] = True,
) -> None:
    """Run the API (docs at /docs) and keep the projections caught up."""
    import uvicorn

    from api.main import create_app, tune_gc

    settings = _settings()
    where = settings.database_url.split("@")[-1]
    if settings.ledgers_file is not None:
        from services.province import ProvinceConfigError, read_ledgers_file

        try:
            specs = read_ledgers_file(settings.ledgers_file, settings)
        except ProvinceConfigError as error:
            err.print(f"[red]setting error:[/red] {error}")
            raise typer.Exit(2) from None
        where = (
            f"{len(specs)} ledgers ("
            + "; ".join(f"{s.name}: {', '.join(s.regions)}" for s in specs)
            + ")"
        )
    if settings.secret is None:
        err.print(
            "[yellow]LEDGER_SECRET is not set: tokens are signed with a key kept in "
            f"{settings.data_dir}/secret.key (development only).[/yellow]"
        )
    err.print(f"ledger on {where}; docs at http://{host}:{port}/docs")
    if workers > 1:
        # Each process builds its own app from the same LEDGER_* settings.
        uvicorn.run(
            "api.main:served_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=access_log,
        )
        return
    tune_gc()
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=access_log)


@cli.command()
def token(
    user: Annotated[str, typer.Option(help="the user's name, recorded as the actor")],
    role: Annotated[str, typer.Option(help=f"one of {', '.join(ROLES)}")],
    ttl: Annotated[
        int | None,
        typer.Option(help="seconds until the token expires (default LEDGER_TOKEN_TTL_SECONDS)"),
    ] = None,
) -> None:
    """Print a bearer token for the API."""
    settings = _settings()
    try:
        print(issue_token(settings.signing_key(), user, role, ttl or settings.token_ttl_seconds))
    except TokenError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None


@cli.command()
def demo(
    households: Annotated[int, typer.Option(help="how many households")] = 1000,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same city)")] = 2025,
) -> None:
    """Fill an empty ledger with a demo city: households, members, a year of events."""
    from scripts.demo import build_demo_city

    ledger = _open()
    try:
        with _progress_bar() as bar:
            task = bar.add_task("demo city", total=households)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = build_demo_city(ledger, households=households, seed=seed, progress=progress)
    except LedgerError as error:
        err.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    finally:
        ledger.close()
    for line in report:
        out.print(line)


@cli.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="the registry as CSV (docs/IMPORT.md)")],
    system: Annotated[
        str, typer.Option(help="the old system's name: with the household number, the id")
    ] = "legacy",
    actor: Annotated[str, typer.Option(help="who records the import")] = "migration",
    batch: Annotated[int, typer.Option(help="households per transaction")] = 500,
    workers: Annotated[
        int | None,
        typer.Option(help="processes building households at once (default: 2 on PostgreSQL)"),
    ] = None,
    errors: Annotated[
        Path | None, typer.Option(help="also write the rejected lines here (CSV: line, reason)")
    ] = None,
) -> None:
    """Import an existing registry from CSV: households, members, categories, current
    amounts, bank accounts. Bad rows are reported by line and their households left out;
    running it again (or after an interruption) records nothing twice. Exit 1 when any
    row was rejected."""
    import csv

    from services.importer import count_rows, import_parallel, import_registry

    if not file.is_file():
        err.print(f"[red]no file {file}[/red]")
        raise typer.Exit(2)
    settings = _settings()
    if workers is None:
        workers = 2 if settings.database_url.startswith("postgres") else 1
    options = {"system": system, "actor": actor, "batch_size": batch}
    ledger = _open(settings)  # creates the tables and seeds the standards once
    try:
        total = count_rows(file)
        with _progress_bar() as bar:
            task = bar.add_task(f"importing {file.name}", total=total)

            def progress(rows: int) -> None:
                bar.update(task, completed=rows)

            if workers > 1:
                report = import_parallel(
                    settings, file, workers=workers, progress=progress, **options
                )
            else:
                report = import_registry(ledger.app, file, progress=progress, **options)
            bar.update(task, completed=total)
    finally:
        ledger.close()
    out.print(
        f"{file.name}: {report.rows} rows; {report.households_recorded} households recorded "
        f"({report.members_recorded} members, {report.events_recorded} events), "
        f"{report.households_already} already recorded, {report.households_rejected} rejected",
        soft_wrap=True,
    )
    if report.households_recorded:
        out.print(
            f"current amounts: {report.amounts_as_rule} agree with the ledger's rules, "
            f"{report.amounts_migrated} kept as migrated (see docs/IMPORT.md)",
            soft_wrap=True,
        )
    elif report.households_already and not report.households_rejected:
        out.print("nothing new: every household in the file is already recorded")
    for line, reason in report.errors[:100]:
        out.print(f"line {line}: {reason}", markup=False, highlight=False, soft_wrap=True)
    if len(report.errors) > 100:
        out.print(f"... and {len(report.errors) - 100} more")
    if errors is not None:
        with errors.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(("line", "reason"))
            writer.writerows(report.errors)
    if report.errors:
        raise typer.Exit(1)


@cli.command("payment-run")
def payment_run(
    period: Annotated[str, typer.Argument(help="the month, YYYY-MM")],
    actor: Annotated[str, typer.Option(help="who starts the run (recorded)")] = "finance-cli",
) -> None:
    """Schedule the payments of a month (the same month again schedules nothing new)."""
    from services.payment_runs import run_payments

    ledger = _open()
    try:
        summary = run_payments(ledger, period, actor)
    except LedgerError as error:
        err.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    finally:
        ledger.close()
    word = "scheduled" if summary.created else "already scheduled"
    report = summary.report
    of_them = (
        f"; of them {report.grants} one-off grants ({format_yuan(report.grants_fen)}) and "
        f"{report.reissued} offered again or re-issued ({format_yuan(report.reissued_fen)})"
        if report.grants or report.reissued or report.waiting
        else ""
    )
    typer.echo(
        f"run {summary.run_id} for {summary.period}: {summary.payments} payments {word}, "
        f"total {format_yuan(summary.total_fen)} to {summary.households} households{of_them}"
    )
    if report.waiting:
        typer.echo(f"waiting ({len(report.waiting)}):")
    for item in report.waiting:
        typer.echo(
            f"  {item['kind']} {item['payment_id']} household {item['household_id']} "
            f"{item['programme']} {item['period']} {format_yuan(item['amount_fen'])}: "
            f"{item['why']}"
        )
    if any(row["budget_fen"] is not None for row in summary.budgets):
        typer.echo("budgets (committed: earlier runs of the year + this run):")
    for row in summary.budgets if any(r["budget_fen"] is not None for r in summary.budgets) else []:
        budget_fen, remaining = row["budget_fen"], row["remaining_fen"]
        limit = (
            f"budget {format_yuan(budget_fen)}, remaining {format_yuan(remaining)}"
            if budget_fen is not None
            else "no budget recorded"
        )
        held = (
            f"; {row['held_lines']} lines held ({format_yuan(row['held_fen'])})"
            if row["held_lines"]
            else ""
        )
        typer.echo(
            f"  {row['county']} {row['county_name']} {row['programme']}: committed "
            f"{format_yuan(row['committed_fen'])} = {format_yuan(row['earlier_fen'])} + "
            f"{format_yuan(row['this_run_fen'])}; {limit}; {row['status']}{held}"
        )


@cli.command("import-statement")
def import_statement_command(
    path: Annotated[Path, typer.Argument(help="a camt.053.001.02 or camt.054.001.02 file")],
    actor: Annotated[str, typer.Option(help="who imports it (recorded)")] = "finance-cli",
    as_of: Annotated[
        str | None, typer.Option(help="the day late payments are counted to (default today)")
    ] = None,
) -> None:
    """Import the bank's statement: match each entry to its payment by end-to-end id and
    amount, record paid and returned, list what finance must look at (the same file again
    records nothing)."""
    from services.clock import beijing_today
    from services.statements import import_statement, statement_exceptions

    settings = _settings()
    ledger = _open(settings)
    try:
        result = import_statement(ledger, path.read_bytes(), actor)
        listed = statement_exceptions(
            ledger,
            date.fromisoformat(as_of) if as_of else beijing_today(),
            settings.statement_late_days,
        )
    except LedgerError as error:
        err.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    finally:
        ledger.close()
    counts = result.counts()
    word = "imported" if result.recorded else "imported before: nothing recorded"
    typer.echo(
        f"statement {result.statement_id} ({result.message}) {word}: "
        f"{counts['entries']} entries; {counts['paid']} paid ({counts['paid_amount']}), "
        f"{counts['returned']} returned ({counts['returned_amount']}), "
        f"{counts['already_recorded']} answered before, {counts['pending']} pending; "
        f"{counts['unmatched']} unmatched, {counts['amount_mismatch']} amount mismatches, "
        f"{counts['contradicts']} contradicting"
    )
    for item in result.exceptions:
        typer.echo(
            f"  {item['kind']} entry {item['entry_id']} (line {item['line']}) "
            f"{format_yuan(item['amount_fen'])}: {item['why']}"
        )
    late = listed["late"]
    typer.echo(
        f"payments with no entry {listed['late_days']} days after their run: {len(late)}"
        + (f" ({format_yuan(sum(int(r['amount_fen']) for r in late))})" if late else "")
    )


@cli.command()
def propagate(
    actor: Annotated[str, typer.Option(help="who completes them (recorded)")] = "system:propagate",
) -> None:
    """Complete every standard change whose propagation to households was cut short
    (idempotent: households already in line record nothing)."""
    ledger = _open()
    try:
        done = ledger.complete_propagations(actor=actor)
    except LedgerError as error:
        err.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    finally:
        ledger.close()
    for region, version, result in done:
        typer.echo(
            f"{region}/v{version}: {result.adjusted} changes recorded, "
            f"{len(result.refused)} households refused"
        )
        for item in result.refused:
            typer.echo(
                f"  REFUSED household {item['household_id']} ({item['field']}): {item['message']}"
            )
    typer.echo(f"{len(done)} unfinished propagations completed")


@cli.command()
def correct(
    actor: Annotated[str, typer.Option(help="who records the corrections")] = "system:correct",
) -> None:
    """Bring households recorded before the POLICY ch. 13 fix in line: a backdated re-assessment
    replaces the determinations recorded before it from its date on (category start and
    amounts); the next payment run recovers what was overpaid. Idempotent; lists the
    households corrected."""
    ledger = _open()
    try:
        done = ledger.correct(actor=actor)
    except LedgerError as error:
        err.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    finally:
        ledger.close()
    for hid, corrected in done:
        typer.echo(f"household {hid}: {', '.join(corrected)}")
    typer.echo(f"{len(done)} households corrected")


@cli.command()
def claims(
    actor: Annotated[str, typer.Option(help="who records the claims")] = "system:claims",
) -> None:
    """One person, one place (POLICY ch. 15) for a ledger from before identity claims:
    claim each present member's ID number for their household (once, after upgrading or
    after a bulk import); a number found in two households is listed by county and
    household, claimed for neither. Idempotent. Exits 1 if any number is in two."""
    ledger = _open()
    try:
        done = ledger.claims(actor=actor)
    except LedgerError as error:
        err.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    finally:
        ledger.close()
    typer.echo(f"{done['created']} claims recorded")
    for duplicate in done["duplicates"]:
        typer.echo(
            "one ID number in households "
            + ", ".join(duplicate["households"])
            + f" ({', '.join(duplicate['counties'])}): record a move or a departure"
        )
    if done["duplicates"]:
        typer.echo(f"{len(done['duplicates'])} ID numbers are in more than one household")
        raise typer.Exit(1)


budget = typer.Typer(
    help="Programme budgets per county and year (docs/PAYMENTS.md, Budgets).", no_args_is_help=True
)
cli.add_typer(budget, name="budget")


@budget.command("set")
def budget_set(
    county: Annotated[str, typer.Argument(help="the county, by code (330402) or name (南湖区)")],
    year: Annotated[str, typer.Argument(help="the budget year, e.g. 2025")],
    programme: Annotated[str, typer.Argument(help="the programme, e.g. dibao")],
    amount: Annotated[str, typer.Argument(help="the year's budget in yuan, e.g. 1200000.00")],
    document: Annotated[str, typer.Option(help="the document reference, e.g. 嘉民〔2025〕12号")],
    actor: Annotated[str, typer.Option(help="who records it (recorded)")] = "finance-cli",
) -> None:
    """Record a programme's annual budget for a county, or revise it (history kept)."""
    from services.budgets import set_budget

    ledger = _open()
    try:
        shown = set_budget(
            ledger,
            county=county,
            year=year,
            programme=programme,
            amount=amount,
            document=document,
            actor=actor,
            on=date.today(),
        )
    except LedgerError as error:
        err.print(f"[red]{error.field}: {error.message}[/red]")
        raise typer.Exit(1) from None
    finally:
        ledger.close()
    typer.echo(_budget_line(shown))


@budget.command("override")
def budget_override(
    county: Annotated[str, typer.Argument(help="the county, by code or name")],
    year: Annotated[str, typer.Argument(help="the budget year")],
    programme: Annotated[str, typer.Argument(help="the programme")],
    run_period: Annotated[str, typer.Argument(help="the run it lets through, YYYY-MM")],
    reason: Annotated[str, typer.Option(help="why (recorded with who)")],
    document: Annotated[str, typer.Option(help="the document approving it, if any")] = "",
    actor: Annotated[str, typer.Option(help="who records it (recorded)")] = "finance-cli",
) -> None:
    """Let one run release a budget's lines past its amount."""
    from services.budgets import override_budget

    ledger = _open()
    try:
        shown = override_budget(
            ledger,
            county=county,
            year=year,
            programme=programme,
            run_period=run_period,
            reason=reason,
            document=document,
            actor=actor,
            on=date.today(),
        )
    except LedgerError as error:
        err.print(f"[red]{error.field}: {error.message}[/red]")
        raise typer.Exit(1) from None
    finally:
        ledger.close()
    typer.echo(_budget_line(shown))
    typer.echo(f"  override for the run of {run_period}: {reason}")


@budget.command("show")
def budget_show(
    year: Annotated[str, typer.Argument(help="the budget year")],
    county: Annotated[str | None, typer.Option(help="one county, by code or name")] = None,
    months: Annotated[bool, typer.Option(help="also each month's spending")] = False,
) -> None:
    """Spending against budget: budget, committed, remaining per county and programme."""
    from domain.budgets import parse_county, parse_year
    from services.budgets import spending

    ledger = _open()
    try:
        code = parse_county(county) if county else None
        found = spending(ledger, parse_year(year), code)
    except LedgerError as error:
        err.print(f"[red]{error.field}: {error.message}[/red]")
        raise typer.Exit(1) from None
    finally:
        ledger.close()
    if not found["budgets"]:
        typer.echo(f"no budget and no spending recorded for {year}")
    for row in found["budgets"]:
        typer.echo(_budget_line(row))
        if months:
            spent = [f"{m['month'][5:]} {m['spent']}" for m in row["months"] if m["spent_fen"]]
            typer.echo("  by month: " + (", ".join(spent) or "nothing yet"))


def _budget_line(row: dict[str, Any]) -> str:
    budget_text = (
        f"budget {row['budget']} ({row['document']}), committed {row['committed']}, "
        f"remaining {row['remaining']}"
        if row["budget"] is not None
        else f"committed {row['committed']}"
    )
    held = f", {row['held_lines']} lines held in runs" if row["held_lines"] else ""
    return (
        f"{row['year']} {row['county']} {row['county_name']} {row['programme']}: "
        f"{budget_text}: {row['status']}{held}"
    )


feed = typer.Typer(help="The disbursement feed.", no_args_is_help=True)
cli.add_typer(feed, name="feed")


@feed.command("export")
def feed_export(
    format_: Annotated[str, typer.Option("--format", help="json, csv or pain001")] = "json",
    after: Annotated[str, typer.Option(help="a cursor: only payments after it (json, csv)")] = "0",
    run: Annotated[str | None, typer.Option(help="one run's payments (its run id)")] = None,
) -> None:
    """Write the disbursement feed to stdout (full account numbers: for finance only)."""
    from api.auth import User
    from api.routers.payments import feed_csv, feed_item, feed_pain001
    from projections import sql

    if format_ not in ("json", "csv", "pain001"):
        err.print("[red]--format must be json, csv or pain001[/red]")
        raise typer.Exit(2)
    if format_ == "pain001" and run is None:
        err.print("[red]pain001 is one message per run: give --run RUN_ID[/red]")
        raise typer.Exit(2)
    if not after.isdigit():
        err.print(f"[red]--after must be a cursor (a whole number), not {after!r}[/red]")
        raise typer.Exit(2)
    run_uuid = None
    if run is not None:
        try:
            run_uuid = UUID(run)
        except ValueError:
            err.print(f"[red]--run must be a payment run's id (a UUID), not {run!r}[/red]")
            raise typer.Exit(2) from None
    ledger = _open()
    try:
        ledger.runner.catch_up()
        finance = User("cli", "finance")
        if run_uuid is not None:
            periods = {
                str(r["run_id"]): r["period"] for r in ledger.views.query(sql.RUN_PERIODS, {})
            }
            if str(run_uuid) not in periods:
                err.print(f"[red]no payment run {run}[/red]")
                raise typer.Exit(1)
            period = periods[str(run_uuid)]
            rows = ledger.views.query(sql.FEED_RUN, {"period": period})
            rows = [r for r in rows if int(r["feed_seq"]) > int(after)]
            if format_ == "pain001":
                sys.stdout.write(feed_pain001(run_uuid, period, rows).decode())
                return
        else:
            rows = ledger.views.query(sql.FEED_PAGE, {"after": int(after), "limit": 10**9})
        items = [feed_item(r, finance) for r in rows]
        if format_ == "csv":
            sys.stdout.write(feed_csv(items))
        else:
            next_cursor = items[-1]["cursor"] if items else after
            print(
                json.dumps(
                    {"items": items, "next_cursor": next_cursor}, ensure_ascii=False, indent=2
                )
            )
    finally:
        ledger.close()


@cli.command()
def replay(
    household_id: Annotated[str, typer.Argument(help="the household's id")],
    as_of: Annotated[str | None, typer.Option(help="the date in force (YYYY-MM-DD)")] = None,
    known_at: Annotated[
        str | None, typer.Option(help="what was known at this time (ISO, with offset)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Print a household's state on a date as known at a time, and the events behind it."""
    from services.audit import replay_household

    try:
        hid = UUID(household_id)
        on = date.fromisoformat(as_of) if as_of else date.today()
        at = datetime.fromisoformat(known_at) if known_at else None
    except ValueError as error:
        err.print(f"[red]bad argument: {error}[/red]")
        raise typer.Exit(2) from None
    if at is not None and at.tzinfo is None:
        err.print("[red]--known-at needs a UTC offset, e.g. 2025-07-01T12:00:00+08:00[/red]")
        raise typer.Exit(2)
    ledger = _open()
    try:
        report = replay_household(ledger, hid, on, at)
    except LedgerError as error:
        err.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    finally:
        ledger.close()
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        return
    _print_replay(report)


def _print_replay(report: dict[str, Any]) -> None:
    from rich.table import Table

    state = report["state"]
    out.print(
        f"[bold]Household {state['household_id']}[/bold] {state['region_code']} "
        f"({state['residence']}), as of {report['as_of']}, known at {report['known_at']}"
    )
    out.print(f"Members: {', '.join(m['name'] for m in state['members']) or 'none'}")
    out.print(f"Categories: {', '.join(c['category'] for c in state['categories']) or 'none'}")
    table = Table("programme", "member", "monthly", "from", "standard")
    for e in state["entitlements"]:
        table.add_row(
            e["programme"],
            e["member_id"] or "",
            e["monthly_amount"],
            e["effective_from"],
            e["standard_version"],
        )
    out.print(table)
    events = Table("#", "type", "effective", "recorded", "actor")
    for e in report["events"]:
        events.add_row(
            str(e["position"]), e["type"], e["effective_on"], e["recorded_at"], e["actor"]
        )
    out.print(events)


@cli.command("checkpoint-key")
def checkpoint_key(
    out: Annotated[Path, typer.Option(help="a new file for the private key (mode 0600)")],
) -> None:
    """Make the auditors' Ed25519 key for `ledger checkpoint`: the private key in OUT,
    the public key in OUT.pub. Keep both away from the ledger's database and server."""
    from services.checkpoint import CheckpointError, new_key

    try:
        public_path, public_hex = new_key(out)
    except (CheckpointError, OSError) as error:
        err.print(f"[red]checkpoint-key failed: {error}[/red]")
        raise typer.Exit(1) from None
    typer.echo(f"private key written to {out} (mode 0600): keep it off the ledger's server")
    typer.echo(f"public key written to {public_path}")
    typer.echo(f"public key (Ed25519, raw, hex): {public_hex}")


@cli.command()
def checkpoint(
    key: Annotated[Path, typer.Option(help="the auditors' private key (`ledger checkpoint-key`)")],
    out: Annotated[Path, typer.Option(help="a new file for the signed checkpoint (JSON)")],
    actor: Annotated[str, typer.Option(help="who makes it (recorded)")] = "system:checkpoint",
) -> None:
    """Sign a Merkle root over every stream's head and the log's position (docs/
    CHECKPOINTS.md); record in the ledger that it was made; `ledger verify --checkpoint`
    later proves every event it covers is still there unchanged."""
    import time

    from services.checkpoint import CheckpointError, load_private_key, make_checkpoint

    try:
        private = load_private_key(key)
    except CheckpointError as error:
        err.print(f"[red]checkpoint failed: {error}[/red]")
        raise typer.Exit(2) from None
    ledger = _open()
    started = time.perf_counter()
    try:
        document = make_checkpoint(ledger, private, out, actor=actor)
    except (CheckpointError, OSError, LedgerError) as error:
        # Plain, unwrapped: the message names streams and versions.
        typer.echo(f"checkpoint failed: {getattr(error, 'message', error)}", err=True)
        raise typer.Exit(1) from None
    finally:
        ledger.close()
    typer.echo(
        f"checkpoint written to {out}: {document['streams']} streams, {document['events']} "
        f"events up to position {document['position']}, root {document['root']} "
        f"({time.perf_counter() - started:.1f} s)"
    )


def _read_checkpoint(path: Path | None, public_key: Path | None) -> Any:
    if path is None:
        if public_key is not None:
            err.print("[red]--public-key checks a checkpoint: give --checkpoint too[/red]")
            raise typer.Exit(2)
        return None
    from services.checkpoint import CheckpointError, load_public_key, read_checkpoint

    try:
        return read_checkpoint(path, load_public_key(public_key) if public_key else None)
    except CheckpointError as error:
        err.print(f"[red]verify failed: {error}[/red]")
        raise typer.Exit(2) from None


@cli.command()
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    checkpoint: Annotated[
        Path | None, typer.Option(help="a signed checkpoint (`ledger checkpoint`) to prove")
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(help="the auditors' public key the checkpoint must be signed with"),
    ] = None,
) -> None:
    """Check every stream's hash chain and recompute every determination, entitlement
    change and cap split; list unfinished standard propagations; with --checkpoint,
    prove every event it covers is still there unchanged; exit 1 on any finding."""
    signed = _read_checkpoint(checkpoint, public_key)
    ledger = _open()
    try:
        report = ledger.verify(signed)
    finally:
        ledger.close()
    if as_json:
        print(
            json.dumps(
                {
                    "streams_checked": report.streams_checked,
                    "events_checked": report.events_checked,
                    "chain_breaks": report.chain_breaks,
                    "recompute_mismatches": report.recompute_mismatches,
                    "unfinished_propagations": report.unfinished_propagations,
                    "drifted": report.drifted,
                    "corrected": report.corrected,
                    "stale_snapshots": report.stale_snapshots,
                    **({"checkpoint": report.checkpoint} if report.checkpoint_checked else {}),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        typer.echo(f"{report.streams_checked} streams, {report.events_checked} events checked")
        for item in report.chain_breaks:
            typer.echo(
                f"CHAIN BREAK stream {item['stream_id']} at version {item['version']}: "
                f"{item['reason']}"
            )
        for item in report.recompute_mismatches:
            typer.echo(
                f"MISMATCH household {item['household_id']} version {item['version']} "
                f"({item['event']}): {item['problem']}"
            )
        for item in report.unfinished_propagations:
            typer.echo(
                f"UNFINISHED propagation of {item['key']} {item['version']} from "
                f"{item['effective_from']}: run `ledger propagate`"
            )
        for item in report.drifted:
            typer.echo(
                f"DRIFT household {item['household_id']}: {', '.join(item['entitlements'])} "
                "differ from what the latest recorded determinations give (POLICY ch. 13): run "
                "`ledger correct`"
            )
        for item in report.corrected:
            typer.echo(
                f"corrected household {item['household_id']} by `ledger correct`: "
                + ", ".join(item["corrections"])
            )
        if report.stale_snapshots:
            typer.echo(
                f"{report.stale_snapshots} snapshots of an older state version are not used "
                "(those households are folded from their events; `ledger correct` replaces them)"
            )
        if signed is not None:
            _print_checkpoint(signed, report.checkpoint, keyed=public_key is not None)
        typer.echo("verified: no break, no mismatch" if report.ok else "verification FAILED")
    if not report.ok:
        raise typer.Exit(1)


def _print_checkpoint(signed: Any, findings: list[dict[str, Any]], *, keyed: bool) -> None:
    for item in findings:
        where = f" stream {item['stream_id']}" if "stream_id" in item else ""
        if "version" in item:
            where += f" version {item['version']}"
        typer.echo(f"CHECKPOINT {item['kind'].upper()}{where}: {item['reason']}")
    document = signed.document
    if not findings:
        typer.echo(
            f"checkpoint of {document['created_at']}: its {document['streams']} streams and "
            f"{document['events']} events up to position {document['position']} are all "
            "there unchanged"
        )
    if not keyed:
        typer.echo(
            "note: the signature was checked with the key the checkpoint names; give "
            "--public-key (the auditors' copy) to prove who signed it"
        )


@cli.command()
def migrate(
    app_role: Annotated[
        str | None,
        typer.Option(help="PostgreSQL: the role the API runs as, granted what it needs"),
    ] = None,
) -> None:
    """Create or update the ledger's tables, triggers and the city's standards, as the
    schema's owner, and replace the snapshots written under older rules; with --app-role,
    grant that role what the ledger needs (SELECT and INSERT on the events, the views'
    writes) and nothing that could rewrite an event."""
    settings = _settings().model_copy(update={"migrate_on_start": True})
    if settings.ledgers_file is not None:
        _migrate_province(settings, app_role)
        return
    ledger = _open(settings)
    try:
        if app_role is not None:
            ledger.grant_to(app_role)
        replaced = ledger.replace_stale_snapshots()
    except (ValueError, psycopg.Error) as error:
        err.print(f"[red]migrate failed: {error}[/red]")
        raise typer.Exit(1) from None
    finally:
        ledger.close()
    out.print(
        f"ledger schema ready on {ledger.backend}"
        + (f"; granted to {app_role}" if app_role else "")
        + f"; {replaced} snapshots of older rules replaced"
    )


def _migrate_province(settings: Settings, app_role: str | None) -> None:
    """`ledger migrate` for every ledger of LEDGER_LEDGERS_FILE, then the province-wide
    identity index (in the first ledger's database)."""
    from services.province import (
        Province,
        ProvinceConfigError,
        create_index,
        grant_index,
        read_ledgers_file,
    )

    try:
        specs = read_ledgers_file(settings.ledgers_file, settings)  # type: ignore[arg-type]
    except ProvinceConfigError as error:
        err.print(f"[red]setting error:[/red] {error}")
        raise typer.Exit(2) from None
    try:
        province = Province.open(specs)
    except (ValueError, psycopg.Error) as error:
        err.print(f"[red]migrate failed: {error}[/red]")
        raise typer.Exit(1) from None
    try:
        create_index(province)
        for spec, ledger in province:
            if app_role is not None:
                ledger.grant_to(app_role)
            replaced = ledger.replace_stale_snapshots()
            out.print(
                f"ledger {spec.name} ready"
                + (f"; granted to {app_role}" if app_role else "")
                + f"; {replaced} snapshots of older rules replaced"
            )
        if app_role is not None:
            grant_index(province, app_role)
    except (ValueError, psycopg.Error) as error:
        err.print(f"[red]migrate failed: {error}[/red]")
        raise typer.Exit(1) from None
    finally:
        province.close()
    out.print(f"the province's identity index ready in ledger {specs[0].name}")


@cli.command("backup")
def backup_command(path: Annotated[str, typer.Argument(help="a new file for the copy")]) -> None:
    """A consistent copy of the whole ledger (events, snapshots, views)."""
    from services.backup import BackupError, backup

    try:
        typer.echo(backup(_settings(), Path(path)))
    except BackupError as error:
        err.print(f"[red]backup failed: {error}[/red]")
        raise typer.Exit(1) from None


@cli.command("restore")
def restore_command(
    path: Annotated[str, typer.Argument(help="a copy made by `ledger backup`")],
    force: Annotated[bool, typer.Option(help="replace an existing ledger")] = False,
) -> None:
    """Put a copy back; then `ledger verify` checks it."""
    from services.backup import BackupError, restore

    try:
        typer.echo(restore(_settings(), Path(path), force=force))
    except BackupError as error:
        err.print(f"[red]restore failed: {error}[/red]")
        raise typer.Exit(1) from None


@cli.command()
def rebuild(
    views: Annotated[
        list[str] | None, typer.Argument(help=f"views to rebuild (default all: {', '.join(VIEWS)})")
    ] = None,
    online: Annotated[
        bool,
        typer.Option("--online", help="build beside the live views and switch in one transaction"),
    ] = False,
) -> None:
    """Drop and rebuild views from the event log, with progress; `--online` builds the
    new views beside the live ones, which keep serving reads, and switches them in one
    transaction when they have caught up (docs/UPGRADING.md)."""
    names = tuple(views or VIEWS)
    unknown = [n for n in names if n not in VIEWS]
    if unknown:
        err.print(f"[red]unknown view {unknown[0]}; views are: {', '.join(VIEWS)}[/red]")
        raise typer.Exit(2)
    ledger = _open()
    try:
        with _progress_bar() as bar:
            task = bar.add_task("rebuilding " + ", ".join(names), total=None)

            def progress(position: int, head: int) -> None:
                bar.update(task, completed=position, total=head)

            if online:
                from services.online_rebuild import rebuild_online

                applied = rebuild_online(ledger, names, progress)["applied"]
            else:
                applied = ledger.runner.rebuild(names, progress)
        for name in names:
            for table in VIEWS[name].tables:
                out.print(f"{table}: {ledger.views.count(table)} rows")
        how = " online (switched in one transaction)" if online else ""
        out.print(f"rebuilt {', '.join(names)}{how} from {applied} events")
    finally:
        ledger.close()


@cli.command()
def bench(
    households: Annotated[int, typer.Option(help="households to build")] = 2000,
    replay_events: Annotated[int, typer.Option(help="events in the replayed household")] = 1000,
    payment_households: Annotated[
        int | None, typer.Option(help="households in the payment run (default --households)")
    ] = None,
    import_households: Annotated[
        int | None, typer.Option(help="households in the bulk import (default --households)")
    ] = None,
    api_seconds: Annotated[float, typer.Option(help="seconds of each API load phase")] = 2.0,
    api_workers: Annotated[int, typer.Option(help="server processes for the API phases")] = 2,
    memory_households: Annotated[
        str | None,
        typer.Option(help="two sizes for the rebuild's peak memory, e.g. 2000,40000"),
    ] = None,
    search_households: Annotated[
        int, typer.Option(help="households in the search workload's city")
    ] = 100_000,
    warning_households: Annotated[
        int, typer.Option(help="households in the warnings workload's city")
    ] = 100_000,
    statement_entries: Annotated[
        int, typer.Option(help="entries in the statements workload's camt.053")
    ] = 100_000,
    report: Annotated[str, typer.Option(help="where to write the JSON report")] = (
        "bench-report.json"
    ),
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="run only this workload (repeatable): import, writes, payments, replay, "
            "memory, api, checkpoint, search, replication, budgets, warnings, statements "
            "(the last five only when asked)"
        ),
    ] = None,
) -> None:
    """Run the performance benchmark on the configured backend; print a table, write JSON."""
    from scripts.bench import DEFAULT_WORKLOADS, WORKLOADS, run_bench

    unknown = sorted(set(only or ()) - set(WORKLOADS))
    if unknown:
        err.print(
            f"[red]--only: no workload {', '.join(unknown)}; one of {', '.join(WORKLOADS)}[/red]"
        )
        raise typer.Exit(2)
    settings = _settings()
    sizes: tuple[int, int] | None = None
    if memory_households:
        small, _, large = memory_households.partition(",")
        try:
            sizes = (int(small), int(large))
        except ValueError:
            err.print("[red]--memory-households takes two numbers, e.g. 2000,40000[/red]")
            raise typer.Exit(2) from None
    wide = Console(width=max(out.width, 140))
    run_bench(
        settings,
        memory_households=sizes,
        search_households=search_households,
        warning_households=warning_households,
        statement_entries=statement_entries,
        payment_households=payment_households,
        import_households=import_households,
        api_seconds=api_seconds,
        api_workers=api_workers,
        households=households,
        replay_events=replay_events,
        report_path=report,
        console=wide,
        only=only or DEFAULT_WORKLOADS,
    )


@cli.command("import-bills")
def import_bills_command(
    file: Annotated[Path, typer.Argument(help="a settlement CSV (docs/examples/)")],
    batch_rows: Annotated[
        int, typer.Option(help="settlements per transaction (whole households)")
    ] = 500,
) -> None:
    """Load medical settlement records in bulk (CSV), idempotent by settlement number; bad
    rows are listed with their line numbers (exit 1 if any)."""
    from services.import_bills import import_bills

    if not file.is_file():
        err.print(f"[red]no file {file}[/red]")
        raise typer.Exit(2)
    ledger = _open()
    try:
        with _progress_bar() as bar:
            task = bar.add_task("importing settlements", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = import_bills(ledger, file, batch_rows=batch_rows, progress=progress)
    finally:
        ledger.close()
    for line, field, message in report.errors:
        err.print(f"line {line}: {field + ': ' if field else ''}{message}")
    out.print(
        f"{report.rows} rows: {report.recorded} recorded, {report.already_recorded} already "
        f"recorded, {len(report.errors)} refused; relief from the medical safety fund "
        f"{format_yuan(report.relief_fen)}"
    )
    if report.errors:
        raise typer.Exit(1)


@cli.command("import-check-answers")
def import_check_answers_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="a CSV of household_id, application_id, request_id, answered_on, finding, amount"
        ),
    ],
) -> None:
    """Load the partner departments' check answers in bulk (CSV, POLICY ch. 14),
    idempotent by request id; bad rows are listed with their line numbers (exit 1 if any)."""
    from services.check_answers import import_check_answers

    if not file.is_file():
        err.print(f"[red]no file {file}[/red]")
        raise typer.Exit(2)
    ledger = _open()
    try:
        report = import_check_answers(ledger, file)
    finally:
        ledger.close()
    _print_rows_report(report)


@cli.command()
def project() -> None:
    """The projection worker: keep this ledger's views current (every
    LEDGER_PROJECTION_INTERVAL_SECONDS), so that `ledger serve` processes can run with
    LEDGER_PROJECTION_WORKER=true and catch up nothing themselves. One is active per
    ledger (a PostgreSQL advisory lock, or a lock file beside the SQLite database); a
    second waits as a standby. Stops on Ctrl-C or SIGTERM."""
    import logging
    import signal
    import threading

    from services.projection_worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = _settings()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if settings.ledgers_file is not None:  # a province: every ledger, and unfinished moves
        from services.province import (
            Province,
            ProvinceConfigError,
            read_ledgers_file,
            run_province_worker,
        )

        try:
            province = Province.open(read_ledgers_file(settings.ledgers_file, settings))
        except ProvinceConfigError as error:
            err.print(f"[red]setting error:[/red] {error}")
            raise typer.Exit(2) from None
        try:
            run_province_worker(province, stop)
        except KeyboardInterrupt:
            stop.set()
        finally:
            province.close()
        return
    ledger = Ledger.open(settings)
    try:
        run_worker(ledger, settings, stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        ledger.close()


@cli.command("import-life-events")
def import_life_events_command(
    file: Annotated[
        Path,
        typer.Argument(help="a CSV of report_id, id_number, kind, event_on, source"),
    ],
) -> None:
    """Load a partner department's feed of deaths, moves of registered residence and
    imprisonments (CSV, POLICY ch. 15) as proposals for an approver, found by ID number;
    idempotent by source and report id; bad rows listed by line (exit 1 if any)."""
    from services.life_event_feed import import_life_events

    if not file.is_file():
        err.print(f"[red]no file {file}[/red]")
        raise typer.Exit(2)
    ledger = _open()
    try:
        report = import_life_events(ledger, file)
    finally:
        ledger.close()
    _print_rows_report(report)


def _print_rows_report(report: RowsReport) -> None:
    """A bulk import's counts and its refused rows by line; exit 1 if any was refused."""
    out.print(
        f"{report.rows} rows: recorded {report.recorded}, already recorded "
        f"{report.already_recorded}, refused {len(report.errors)}"
    )
    for line, field, message in report.errors:
        out.print(f"  line {line}: {field + ': ' if field else ''}{message}", markup=False)
    if report.errors:
        raise typer.Exit(1)


@cli.command("bench-jurisdictions")
def bench_jurisdictions(
    ledgers: Annotated[int, typer.Option(help="jurisdiction ledgers at once")] = 2,
    households: Annotated[int, typer.Option(help="households in each")] = 2000,
    report: Annotated[str, typer.Option(help="where to write the JSON report")] = (
        "bench-jurisdictions.json"
    ),
    api: Annotated[
        bool,
        typer.Option(
            help="also the API reads of the ledgers behind one service, each read from a "
            "standby (clusters of its own: needs PostgreSQL's server programs)"
        ),
    ] = True,
    api_seconds: Annotated[float, typer.Option(help="seconds of API load per run")] = 5.0,
) -> None:
    """Several jurisdiction ledgers side by side on one machine (one database schema and
    one process each): import, rebuild and a payment run at once; aggregate throughput
    beside one ledger alone. Then the API reads of a province: the ledgers behind one
    `ledger serve` (LEDGER_LEDGERS_FILE), reads spread over primary and standby."""
    import json

    from scripts.bench import run_side_by_side

    console = Console(width=max(out.width, 120))
    found = run_side_by_side(
        _settings(),
        ledgers=ledgers,
        households=households,
        console=console,
        report_path=report,
    )
    if not api:
        return
    from scripts.pgcluster import why_not

    problem = why_not()
    if problem is not None:
        console.print(f"API reads of the province not measured: {problem}")
        return
    from rich.table import Table

    from scripts.bench_province import bench_province_reads

    reads = bench_province_reads(ledgers, households, api_seconds)
    table = Table(title="API reads: a household's current entitlements, 16 clients")
    columns = ("ledgers", "households", "standby", "requests/s", "p50 ms", "p99 ms", "served by")
    for column in columns:
        table.add_column(column)
    for r in reads:
        table.add_row(
            str(r["ledgers"]),
            f"{r['households']:,}",
            "yes" if r["standby"] else "no",
            f"{r['requests_per_s']:,.0f}",
            f"{r['p50_ms']:.1f}",
            f"{r['p99_ms']:.1f}",
            "; ".join(
                f"{label}: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items()))
                for label, tally in r["served_by"].items()
            ),
        )
    console.print(table)
    found["api_reads"] = reads
    Path(report).write_text(json.dumps(found, indent=2))


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    )


def main() -> None:
    from api.errors import OUTAGES, REFUSALS, refusal

    try:
        cli()
    except SettingsError as error:
        err.print(f"[red]setting error:[/red] {error}")
        sys.exit(2)
    except OUTAGES as error:  # before REFUSALS: an outage is one of their subclasses
        kind, first = refusal(error)
        err.print(f"[red]the database is unavailable: {kind}: {first}[/red]")
        err.print("a write under way when it went may have been recorded: read before retrying")
        sys.exit(1)
    except REFUSALS as error:
        kind, first = refusal(error)
        err.print(f"[red]the database refused: {kind}: {first}[/red]")
        err.print("each save is one transaction: the one refused recorded nothing")
        sys.exit(1)


if __name__ == "__main__":
    main()
