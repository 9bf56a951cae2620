"""Starting the server: models, log store and token first, then uvicorn on a socket bound
here (so ``--port 0`` can say which port it got), then one line saying where it listens."""

from __future__ import annotations

import socket
import sys
from typing import Any

import click


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    # The protocol named, not left 0: asyncio switches Nagle's algorithm off (TCP_NODELAY)
    # only on sockets that say they are TCP, and with it on, every response after the first
    # on a kept-alive connection waited ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(infos[0][4])
    except OSError as ex:
        sock.close()
        raise click.ClickException(f"Cannot listen on {host}:{port}: {ex.strerror or ex}") from ex
    sock.set_inheritable(True)
    return sock


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::"):
        return "127.0.0.1" if host == "0.0.0.0" else "[::1]"
    return f"[{host}]" if ":" in host else host


def run(
    *,
    host: str,
    port: int,
    token: str | None,
    no_auth: bool,
    allow_origins: list[str],
    allow_hosts: list[str],
    models: list[str],
    log: bool,
    database: str | None,
) -> int:
    import uvicorn

    import llm_storage

    from . import catalog as catalog_module
    from .app import Settings, create_app
    from .security import stored_token, token_path
    from .storage import Storage

    try:
        catalog = catalog_module.build(models)
    except catalog_module.UnknownModels as ex:
        raise click.ClickException(str(ex)) from ex
    storage = Storage(database, log=log)
    try:
        storage.open()
    except llm_storage.StoreError as ex:
        raise click.ClickException(str(ex)) from ex
    token_file = None
    if not no_auth and token is None:
        token = stored_token()
        token_file = token_path()
    allowed_hosts = [*allow_hosts, *([host] if host not in ("0.0.0.0", "::") else [])]
    settings = Settings(
        catalog=catalog,
        storage=storage,
        token=None if no_auth else token,
        allowed_hosts=allowed_hosts,
        allowed_origins=[o.rstrip("/") for o in allow_origins],
    )
    app = create_app(settings)
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    base = f"http://{_url_host(host)}:{bound_port}"
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
        lifespan="on",
    )

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if not self.should_exit:
                _announce(base, settings, storage, token_file)

    try:
        Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn stopped gracefully, then passed Ctrl-C on: stopping is what was asked
    finally:
        storage.close()
    return 0


def _announce(base: str, settings: Any, storage: Any, token_file: Any) -> None:
    chat = len({id(m) for m in settings.catalog.chat.values()})
    embedding = len(set(map(id, settings.catalog.embedding.values())))
    lines = [f"Serving {chat} chat and {embedding} embedding models at {base}/v1"]
    if settings.token is None:
        lines.append("No token required (--no-auth)")
        lines.append(f"Web page: {base}/")
    else:
        where = f" (kept in {token_file})" if token_file else ""
        lines.append(f"Token: {settings.token}{where}")
        lines.append(f"Web page: {base}/#token={settings.token}")
    lines.append(f"Logging to {storage.location}" if storage.log else "Not logging (--no-log)")
    lines.append(f"Listening on {base}")
    click.echo("\n".join(lines))
    sys.stdout.flush()
