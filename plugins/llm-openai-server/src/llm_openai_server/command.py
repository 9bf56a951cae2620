"""The ``llm serve`` command. Only click is imported here; the web stack, when it runs."""

from __future__ import annotations

import sys

import click

DEFAULT_PORT = 8000


def _check_options(host: str, token: str | None, no_auth: bool) -> None:
    from .security import is_loopback

    if token is not None and no_auth:
        raise click.UsageError("--token and --no-auth cannot be used together")
    if token is not None and not token.strip():
        raise click.UsageError("--token cannot be empty")
    if no_auth and not is_loopback(host):
        raise click.UsageError(
            f"--no-auth is refused on {host}: only a loopback address (127.0.0.1, ::1,"
            " localhost) may be served without a token"
        )


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port to listen on (0: any free port)",
)
@click.option("--token", help="Bearer token clients must send (default: one kept in the user dir)")
@click.option("--no-auth", is_flag=True, help="Accept requests without a token (loopback only)")
@click.option(
    "--allow-origin",
    "allow_origins",
    multiple=True,
    metavar="URL",
    help="Let web pages from this origin call the API (CORS); repeatable",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="Accept requests addressed to this host name (IP addresses and localhost always are)",
)
@click.option(
    "-m", "--model", "models", multiple=True, help="Serve only this model (ID or alias); repeatable"
)
@click.option("--no-log", is_flag=True, help="Do not log requests to the database")
@click.option(
    "-d",
    "--database",
    metavar="PATH_OR_URL",
    help="Log to (and browse) this database instead of the default logs.db",
)
def serve(
    host: str,
    port: int,
    token: str | None,
    no_auth: bool,
    allow_origins: tuple[str, ...],
    allow_hosts: tuple[str, ...],
    models: tuple[str, ...],
    no_log: bool,
    database: str | None,
) -> None:
    """Serve every model through an OpenAI-compatible API, with a web page to chat

    Listens on http://127.0.0.1:8000/ by default: point an OpenAI client at
    http://127.0.0.1:8000/v1 with the token shown on start as its API key, or open the
    page in a browser. Every exchange is logged like a prompt, unless --no-log.
    """
    _check_options(host, token, no_auth)
    from .running import run

    sys.exit(
        run(
            host=host,
            port=port,
            token=token,
            no_auth=no_auth,
            allow_origins=list(allow_origins),
            allow_hosts=list(allow_hosts),
            models=list(models),
            log=not no_log,
            database=database,
        )
    )
