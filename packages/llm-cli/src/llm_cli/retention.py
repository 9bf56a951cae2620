"""Deleting logs: ``llm logs rm``, the retention setting and ``llm logs prune``.

Retention is off until set (``llm logs retention 90d``). When set, the next command that
logs a response deletes what is older, at most once a day per database; ``llm logs
prune`` applies it at once. The setting and the time of the last pruning are kept in
``ledger.json`` in the user directory.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import click

from .ledger_access import (
    load_settings,
    now,
    open_ledger,
    parse_duration,
    save_settings,
    settings_path,
    stored_time,
)

#: How often the retention setting is applied by logging commands.
PRUNE_INTERVAL = dt.timedelta(days=1)


def _database_key(database: str | None) -> str:
    """The database, as settings.json names it: its URL with no password (``llm.redact``)."""
    from llm_storage.opening import default_location

    if database:
        from llm.redact import redact_url

        return redact_url(database)
    return default_location()


def retention_period() -> dt.timedelta | None:
    kept = load_settings().get("retention")
    return None if not kept else parse_duration(str(kept), "retention")


def run_deletion(
    database: str | None,
    selection: Any,
    *,
    yes: bool,
    dry_run: bool,
    vacuum: bool,
    quiet_when_empty: bool = False,
) -> int:
    """Show what ``selection`` names, ask (unless ``yes``), delete it; the number deleted."""
    from llm_storage import deletion

    with open_ledger(database) as ledger:
        if ledger is None:
            if not quiet_when_empty:
                click.echo("Nothing to delete: there is no log database yet", err=True)
            return 0
        with ledger.transaction() as tx:
            plan = deletion.select(tx, selection)
            shown = deletion.preview(tx, plan.response_ids)
        if plan.unknown_keys:
            raise click.ClickException(
                "No response or conversation found with ID or name "
                + ", ".join(repr(k) for k in plan.unknown_keys)
                + "; nothing was deleted"
            )
        count = len(plan.response_ids)
        if not count:
            if not quiet_when_empty:
                click.echo("No responses match: nothing to delete", err=True)
            if vacuum and not dry_run:
                deletion.compact(ledger)
            return 0
        if not quiet_when_empty or dry_run:
            _show(count, shown, dry_run)
        if dry_run:
            return 0
        if not yes:
            if not sys.stdin.isatty():
                raise click.ClickException(
                    "Not deleting without --yes: standard input is not a terminal to ask on"
                )
            click.confirm(f"Delete {count:,} response{'s' * (count != 1)}?", abort=True)
        with ledger.transaction(write=True) as tx:
            done = deletion.delete(tx, plan.response_ids)
        if vacuum:
            deletion.compact(ledger)
    click.echo(
        f"Deleted {done.responses:,} responses, {done.conversations:,} conversations,"
        f" {done.attachments:,} attachments, {done.fragments:,} fragments,"
        f" {done.tool_calls:,} tool calls and {done.tool_results:,} tool results",
        err=True,
    )
    return done.responses


def _show(count: int, shown: list[dict[str, Any]], dry_run: bool) -> None:
    verb = "would be deleted" if dry_run else "will be deleted"
    click.echo(f"{count:,} response{'s' * (count != 1)} {verb}:", err=True)
    for row in shown:
        when = (row["datetime_utc"] or "")[:16].replace("T", " ")
        prompt = " ".join((row["prompt"] or "").split())
        click.echo(f"  {row['id']}  {when}  {row['model']}  {prompt}", err=True)
    if count > len(shown):
        click.echo(f"  ... and {count - len(shown):,} more", err=True)


def prune(database: str | None, *, dry_run: bool = False, vacuum: bool = False) -> int:
    """Apply the retention setting now; the number of responses deleted."""
    from llm_storage.deletion import Selection

    period = retention_period()
    if period is None:
        raise click.ClickException("No retention is set: set one with 'llm logs retention 90d'")
    moment = now()
    deleted = run_deletion(
        database,
        Selection(before=stored_time(moment - period)),
        yes=True,
        dry_run=dry_run,
        vacuum=vacuum,
    )
    if not dry_run:
        _record_pruned(database, moment)
    return deleted


def _record_pruned(database: str | None, moment: dt.datetime) -> None:
    settings = load_settings()
    settings.setdefault("last_pruned", {})[_database_key(database)] = moment.isoformat()
    save_settings(settings)


def apply_if_due(database: str | None) -> None:
    """Called after a response is logged: prune when retention is set and the last
    pruning of this database was a day or more ago."""
    if not settings_path().exists():
        return
    settings = load_settings()
    if not settings.get("retention"):
        return
    period = retention_period()
    moment = now()
    last = settings.get("last_pruned", {}).get(_database_key(database))
    if last and moment - dt.datetime.fromisoformat(last) < PRUNE_INTERVAL:
        return
    from llm_storage.deletion import Selection

    assert period is not None
    run_deletion(
        database,
        Selection(before=stored_time(moment - period)),
        yes=True,
        dry_run=False,
        vacuum=False,
        quiet_when_empty=True,
    )
    _record_pruned(database, moment)
