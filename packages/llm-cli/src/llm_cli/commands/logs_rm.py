"""``llm logs rm``, ``llm logs prune`` and ``llm logs retention``."""

from __future__ import annotations

import click

from ..shared_options import database_option

_vacuum = click.option(
    "--vacuum",
    is_flag=True,
    help="Then compact the database, so no trace of the deleted text is left in the file",
)
_dry_run = click.option(
    "--dry-run", is_flag=True, help="Show what would be deleted, delete nothing"
)


@click.command(name="rm")
@click.argument("keys", nargs=-1)
@click.option("--older-than", help="Only responses older than this, such as 30d, 12h or 2w")
@click.option("model_id", "-m", "--model", help="Only responses from this model (or alias)")
@click.option("-q", "--query", help="Only responses matching this search")
@click.option("all_", "--all", is_flag=True, help="Every response (with the filters, if any)")
@click.option("-y", "--yes", is_flag=True, help="Do not ask (needed when not on a terminal)")
@_dry_run
@_vacuum
@database_option
def logs_rm(
    keys: tuple[str, ...],
    older_than: str | None,
    model_id: str | None,
    query: str | None,
    all_: bool,
    yes: bool,
    dry_run: bool,
    vacuum: bool,
    database: str | None,
) -> None:
    """Delete logged responses, and what only they used

    KEYS are response IDs, conversation IDs or conversation names. The filters narrow
    them down, or, without KEYS, choose from every response. What goes is shown first,
    and you are asked to confirm.

    \b
    Examples:
        llm logs rm 01j0abc...                 # one response
        llm logs rm my-chat                    # a whole conversation, by name
        llm logs rm --older-than 30d -m gpt-4o
        llm logs rm --all --yes --vacuum
    """
    from llm_storage.deletion import Selection

    from ..ledger_access import model_filter, now, parse_duration, stored_time
    from ..retention import run_deletion

    if not (keys or older_than or model_id or query or all_):
        raise click.UsageError(
            "Say what to delete: response or conversation IDs or names, --older-than,"
            " -m, -q, or --all"
        )
    before = None
    if older_than:
        before = stored_time(now() - parse_duration(older_than, "--older-than"))
    selection = Selection(
        keys=keys, before=before, model=model_filter(model_id), query=query, everything=all_
    )
    run_deletion(database, selection, yes=yes, dry_run=dry_run, vacuum=vacuum)


@click.command(name="prune")
@_dry_run
@_vacuum
@database_option
def logs_prune(dry_run: bool, vacuum: bool, database: str | None) -> None:
    """Delete responses older than the retention setting, now"""
    from ..retention import prune

    prune(database, dry_run=dry_run, vacuum=vacuum)


@click.command(name="retention")
@click.argument("period", required=False)
def logs_retention(period: str | None) -> None:
    """Show or set how long responses are kept: 90d, 12w, ... or off

    Off by default. When set, the next command that logs a response deletes older
    responses, at most once a day; 'llm logs prune' does it at once.
    """
    from ..ledger_access import load_settings, parse_duration, save_settings

    settings = load_settings()
    if period is None:
        click.echo(settings.get("retention") or "off")
        return
    if period.strip().lower() == "off":
        settings.pop("retention", None)
    else:
        parse_duration(period, "PERIOD")
        settings["retention"] = period.strip()
    save_settings(settings)
    click.echo(f"Retention: {settings.get('retention') or 'off'}", err=True)


COMMANDS = (logs_rm, logs_prune, logs_retention)
