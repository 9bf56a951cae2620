"""Checked before paying: ``--max-cost``, ``--estimate``, daily and monthly budgets, and
``--name`` for a new conversation, for ``llm prompt`` and ``llm chat``.

The worst case of a call is its input estimated conservatively (one token per byte of
UTF-8 text, which no tokenizer exceeds, for the prompt, system prompt, fragments, earlier
turns, tool definitions and results, and per byte of each attachment, capped at the
model's context window) plus the most output the model may return (``max_tokens`` or a
similar option when given, else the model's ``max_output_tokens`` attribute, else its
context window), priced as ``pricing`` prices a response. A model with no known price
cannot be checked, so under a budget or ``--max-cost`` it is refused (give it a price,
0 for a free model, in ``prices.json``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from .ledger_access import catch_up_pricing, load_settings, now, open_ledger, stored_time
from .pricing import call_cost, context_window, format_usd

META = "llm_cli.budget"
#: Tokens added per message for the roles and separators a provider wraps it in.
MESSAGE_OVERHEAD = 16
#: Option names models use for the most output tokens they may return.
OUTPUT_LIMIT_OPTIONS = ("max_tokens", "max_output_tokens", "max_completion_tokens")


class BudgetRefused(click.ClickException):
    """A call refused before sending: it could cost more than allowed."""


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.meta.setdefault(META, {})[param.name] = value
    return value


def budget_options(command: Any) -> Any:
    """``--name``, ``--max-cost``, ``--estimate`` and ``--cost``: kept in ``ctx.meta``, not
    passed on."""
    for option in reversed(
        [
            click.option(
                "conversation_name", "--name", expose_value=False, callback=_remember,
                help="Name the new conversation (continue it later with --cid NAME)",
            ),
            click.option(
                "max_cost", "--max-cost", type=click.FloatRange(min=0), expose_value=False,
                callback=_remember, metavar="USD",
                help="Refuse, before sending, a prompt whose worst case costs more than this",
            ),
            click.option(
                "estimate", "--estimate", is_flag=True, expose_value=False, callback=_remember,
                help="Print the worst-case cost of the prompt and send nothing",
            ),
            click.option(
                "show_cost", "--cost", is_flag=True, expose_value=False, callback=_remember,
                help="Show what the response cost",
            ),
        ]
    ):  # fmt: skip
        command = option(command)
    return command


@dataclass
class Worst:
    """The most a call could cost."""

    model_id: str
    input_tokens: int
    output_tokens: int | None
    usd: float | None

    def unknown(self) -> str:
        """Why there is no worst case."""
        if self.output_tokens is None:
            return (
                f"the most output {self.model_id} may return is not known"
                " (set it with -o max_tokens N)"
            )
        return (
            f"no price is known for {self.model_id} (give it one in prices.json,"
            " 0 for a free model)"
        )

    def describe(self) -> str:
        output = "an unknown number of" if self.output_tokens is None else f"{self.output_tokens:,}"
        cost = format_usd(self.usd) if self.usd is not None else "an unknown amount (unpriced)"
        return (
            f"up to {cost}: {self.input_tokens:,} input tokens (estimated) and {output}"
            f" output tokens at most, on {self.model_id}"
        )


def _text_bytes(*texts: Any) -> int:
    return sum(len(str(t).encode("utf-8")) for t in texts if t)


def _attachment_bytes(attachment: Any) -> int | None:
    if getattr(attachment, "content", None):
        return len(attachment.content)
    path = getattr(attachment, "path", None)
    if path:
        try:
            return Path(path).stat().st_size
        except OSError:
            return None
    return None  # a URL: the model fetches it, its size is unknown


def _tools_bytes(tools: list[Any]) -> int:
    import llm

    total = 0
    for entry in tools:
        for tool in entry.tools() if isinstance(entry, llm.Toolbox) else [entry]:
            total += _text_bytes(tool.name, tool.description, json.dumps(tool.input_schema))
    return total


def _response_bytes(response: Any) -> int:
    """An earlier response as the next call sends it again: prompt, answer, tool traffic."""
    prompt = response.prompt
    size = _text_bytes(prompt.prompt, prompt.system)
    size += sum(_text_bytes(str(f)) for f in [*prompt.fragments, *prompt.system_fragments])
    size += sum(_text_bytes(r.output, r.name) for r in getattr(prompt, "tool_results", []) or [])
    size += _text_bytes(response.text_or_raise())  # earlier responses are complete
    size += sum(_text_bytes(c.name, json.dumps(c.arguments)) for c in response.tool_calls())
    return size + 3 * MESSAGE_OVERHEAD


@dataclass
class Guard:
    """What ``prompt``/``chat`` were asked to keep to, and the checks against it."""

    database: str | None
    name: str | None = None
    max_cost: float | None = None
    estimate: bool = False
    show_cost: bool = False
    daily: float | None = None
    monthly: float | None = None
    #: Cost of the calls this command already made and has not logged yet.
    pending: list[Any] = field(default_factory=list)

    @property
    def budgeted(self) -> bool:
        return self.daily is not None or self.monthly is not None

    @property
    def active(self) -> bool:
        return self.budgeted or self.max_cost is not None or self.estimate

    # -- the worst case -----------------------------------------------------------------------

    def worst_case(self, model: Any, options: dict[str, Any], input_bytes: int) -> Worst:
        model_id = model.model_id
        entry = getattr(model, "price_entry", None) or model_id
        window = context_window(entry)
        input_tokens = input_bytes + MESSAGE_OVERHEAD
        if window:
            input_tokens = min(input_tokens, window)
        output = next(
            (int(options[k]) for k in OUTPUT_LIMIT_OPTIONS if options.get(k) is not None), None
        )
        if output is None:
            declared = getattr(model, "max_output_tokens", None)
            output = declared if isinstance(declared, int) else window
        usd = None if output is None else call_cost(model_id, entry, input_tokens, output, now())
        return Worst(model_id, input_tokens, output, usd)

    def first_call_bytes(self, prepared: Any, text: str | None, conversation: Any) -> int:
        """The input of a call: this prompt and everything it resends."""
        size = _text_bytes(text, prepared.system)
        size += sum(_text_bytes(str(f)) for f in prepared.fragments + prepared.system_fragments)
        for attachment in prepared.attachments:
            found = _attachment_bytes(attachment)
            size += found if found is not None else 10**9  # unknown: the context window caps it
        size += _tools_bytes(prepared.tools)
        for earlier in list(getattr(conversation, "responses", None) or []):
            size += _response_bytes(earlier)
        return size + MESSAGE_OVERHEAD

    # -- the checks ---------------------------------------------------------------------------

    def check_turn(
        self, prepared: Any, conversation: Any, text: str | None, fragments: list[Any], first: bool
    ) -> None:
        """Refuse a chat turn, before sending, that could break --max-cost or a budget."""
        if not (self.budgeted or self.max_cost is not None):
            return
        size = _text_bytes(text) + sum(_text_bytes(str(f)) for f in fragments)
        if first:
            size += self.first_call_bytes(prepared, None, conversation)
        else:
            size += _tools_bytes(prepared.tools) + MESSAGE_OVERHEAD
            size += sum(_response_bytes(r) for r in list(conversation.responses))
        self.check(self.worst_case(prepared.model, prepared.options, size), "This chat turn")

    def check(self, worst: Worst, what: str = "This prompt") -> None:
        """Refuse (before sending) when ``worst`` could break --max-cost or a budget."""
        if self.max_cost is not None:
            if worst.usd is None:
                raise BudgetRefused(f"Cannot check --max-cost: {worst.unknown()}; nothing was sent")
            if worst.usd > self.max_cost:
                raise BudgetRefused(
                    f"{what} could cost {worst.describe()}, over --max-cost"
                    f" {format_usd(self.max_cost)}; nothing was sent"
                )
        if not self.budgeted:
            return
        if worst.usd is None:
            raise BudgetRefused(
                f"A budget is set and the cost cannot be bounded: {worst.unknown()};"
                " nothing was sent"
            )
        moment = now()
        day_start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        periods = [
            ("Daily", self.daily, day_start, "today"),
            ("Monthly", self.monthly, day_start.replace(day=1), "this month"),
        ]
        for label, limit, start, when in periods:
            if limit is None:
                continue
            spent = self.spent_since(start)
            if spent + worst.usd > limit:
                raise BudgetRefused(
                    f"{label} budget {format_usd(limit)}: {format_usd(spent)} spent {when}, and"
                    f" {what.lower()} could cost {worst.describe()}; nothing was sent"
                )

    def spent_since(self, start: dt.datetime) -> float:
        """Logged spending since ``start`` plus this command's calls not yet logged."""
        from llm_storage import ledger as queries

        logged = 0.0
        with open_ledger(self.database) as ledger:
            if ledger is not None:
                catch_up_pricing(ledger)
                with ledger.transaction() as tx:
                    logged, _ = queries.spent_since(tx, stored_time(start))
        return logged + sum(cost.usd or 0.0 for cost in costs_of(self.pending))


def guard_for(database: str | None) -> Guard:
    """The guard for this command: its options and the budgets in the settings."""
    given = click.get_current_context().meta.get(META, {})
    budget = load_settings().get("budget", {})
    return Guard(
        database=database,
        name=given.get("conversation_name"),
        max_cost=given.get("max_cost"),
        estimate=bool(given.get("estimate")),
        show_cost=bool(given.get("show_cost")),
        daily=budget.get("daily"),
        monthly=budget.get("monthly"),
    )


def before_send(prepared: Any, text: str | None) -> Guard:
    """Every check made before a prompt is sent; ``--estimate`` prints and stops here."""
    guard = guard_for(prepared.database)
    if guard.name is not None:
        check_new_name(guard, prepared)
    if not guard.active or (text is None and not guard.estimate):
        return guard  # a chat: each turn is checked as it is sent
    worst = guard.worst_case(
        prepared.model,
        prepared.options,
        guard.first_call_bytes(prepared, text, prepared.conversation),
    )
    if guard.estimate:
        click.echo(f"Worst case: {worst.describe()}")
        click.get_current_context().exit(0)
    guard.check(worst)
    return guard


def check_new_name(guard: Guard, prepared: Any) -> None:
    from llm_storage import ledger as queries

    name = (guard.name or "").strip()
    if not name:
        raise click.ClickException("--name cannot be empty")
    if prepared.log_store is None:
        raise click.ClickException("--name needs the conversation to be logged (not -n)")
    if prepared.conversation is not None and prepared.conversation.responses:
        raise click.ClickException(
            "--name names a new conversation; to rename this one use 'llm conversations rename'"
        )
    with open_ledger(prepared.database) as ledger:
        if ledger is None:
            return
        with ledger.transaction() as tx:
            holder = queries.named(tx, name)
    if holder is not None:
        raise click.ClickException(f"The name {name!r} is already used by conversation {holder}")


def guard_chain(guard: Guard, response: Any, options: dict[str, Any]) -> None:
    """Check each next step of a tool chain before it is sent: after every tool result (so
    after the last one of a step too), the next call's worst case is checked with what the
    chain has spent so far, and a refusal stops the chain there."""
    if not (guard.budgeted or guard.max_cost is not None) or not hasattr(response, "after_call"):
        return
    earlier = response.after_call

    def after_call(tool: Any, call: Any, result: Any) -> None:
        if earlier is not None:
            earlier(tool, call, result)
        made = response.responses_made()
        guard.pending = list(made)
        size = sum(_response_bytes(r) for r in made) + _text_bytes(result.output)
        size += _tools_bytes(list(made[-1].prompt.tools))
        worst = guard.worst_case(response.model, options, size)
        guard.check(worst, "The next step of the tool chain")

    response.after_call = after_call


def costs_of(responses: list[Any]) -> list[Any]:
    """A ``ledger.Cost`` for each finished response, priced now, without the database."""
    from .pricing import cost_of

    costs = []
    for response in responses:
        model_id = response.model.model_id
        entry = getattr(response.model, "price_entry", None)
        row = {
            "id": response.id,
            "model": model_id,
            "input_tokens": response.input_tokens,
            "output_tokens": response.output_tokens,
            "token_details": response.token_details,
            "response_json": None,
            "datetime_utc": response.datetime_utc(),
        }
        costs.append(cost_of(row, {model_id: entry}))
    return costs


def after_log(guard: Guard, prepared: Any, response: Any, *, logged: bool) -> None:
    """After a prompt's responses are logged: name the new conversation (``--name``), store
    their costs when a budget or ``--cost`` priced them, show the cost with ``--cost`` (not
    with ``-u`` alone: the original's tests pin what ``-u`` prints), and apply the
    retention setting (at most once a day)."""
    made = getattr(response, "responses_made", None)
    responses = made() if made is not None else [response]
    usage = guard.show_cost
    costs = costs_of(responses) if (usage or guard.budgeted) else []
    if usage:
        for cost in costs:
            where = f" ({cost.source}: {cost.price_entry})" if cost.price_entry else ""
            label = format_usd(cost.usd) + (where if cost.usd is not None else "")
            click.echo(click.style(f"Cost: {label}", fg="yellow", bold=True), err=True)
    if not logged or not responses:
        return
    if costs or guard.name:  # else nothing to write: the database is not opened again
        from llm_storage import ledger as queries

        with open_ledger(prepared.database) as ledger:
            if ledger is None:
                return
            with ledger.transaction(write=True) as tx:
                if costs:
                    queries.store_costs(tx, costs)
                if guard.name:
                    cid = responses[0].conversation_id_for_log()
                    try:
                        queries.set_name(tx, cid, guard.name, stored_time(now()))
                    except queries.LedgerError as ex:
                        click.echo(f"The conversation was not named: {ex}", err=True)
    from .retention import apply_if_due

    apply_if_due(prepared.database)


def conversation_named(store: Any, name: str) -> str | None:
    """The conversation the user gave this name (``--cid NAME``), if any."""
    from llm_storage import ledger as queries
    from llm_storage.ledger_db import Ledger

    with Ledger.over(store).transaction() as tx:
        return queries.named(tx, name)
