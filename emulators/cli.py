"""`python -m emulators graph|connector|token-service`: run one local stand-in on its own.

`meetbot graph-emulator`, `meetbot connector-emulator` and `meetbot token-service` run these;
`meetbot run` in local mode starts `graph --embedded` as its child (in delegated mode also
`token-service --embedded`, both with one `--signing-key`): the emulator then says where it
listens (or why it cannot start) in one line on stdout, and stops when the bot closes its
stdin, also when the bot dies without cleaning up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from bot.cli import port_number, run_loop, stop_on_signal
from bot.heap import settle_after_startup
from bot.local import EMBEDDED_FAILED, EMBEDDED_READY, default_cert_path
from bot.logs import configure_logging
from bot.serve import bind, serve
from bot.startup import StartupError, listen_problem, reason
from emulators.channel_identity import ChannelIdentity
from emulators.connector import TEAMS_APP_LIMITS, ConnectorEmulator
from emulators.graph import GraphEmulator
from emulators.graph.identity import TokenKey
from emulators.tls import make_loopback_identity
from emulators.token_service import TokenService


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # As Meetbot logs (an embedded emulator's lines go to the bot's stderr): LOG_LEVEL, and
    # JSON lines unless LOG_FORMAT=text.
    level = os.environ.get("LOG_LEVEL", "INFO")
    try:
        configure_logging(level, "text" if os.environ.get("LOG_FORMAT") == "text" else "json")
    except ValueError:
        print(f"meetbot: configuration error: LOG_LEVEL: unknown level {level!r}", file=sys.stderr)
        return 2
    try:
        if args.command == "graph":
            emulator = GraphEmulator(signing_key=_signing_key(args.signing_key))
            return run_loop(serve_graph(emulator.app, args.host, args.port, embedded=args.embedded))
        if args.command == "token-service":
            return run_loop(
                serve_token_service(
                    _token_service(args), args.host, args.port, embedded=args.embedded
                )
            )
        connector = ConnectorEmulator(
            rate_limits=args.rate_limits, app_limits=((args.app_rate, 1.0),)
        )
        return run_loop(serve_connector(connector.app, args.host, args.port))
    except StartupError as exc:
        if getattr(args, "embedded", False):
            print(f"{EMBEDDED_FAILED} {exc}", flush=True)
        else:
            print(f"meetbot: cannot start: {exc}", file=sys.stderr)
        return 1


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m emulators", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    graph = sub.add_parser("graph", help="run the local Microsoft Graph emulator")
    graph.add_argument("--host", default="127.0.0.1")
    graph.add_argument("--port", type=port_number, default=8443)
    graph.add_argument("--embedded", action="store_true", help=argparse.SUPPRESS)
    _add_signing_key(graph)
    connector = sub.add_parser("connector", help="run the local Bot Connector emulator")
    connector.add_argument("--host", default="127.0.0.1")
    connector.add_argument("--port", type=port_number, default=3979)
    connector.add_argument(
        "--rate-limits",
        action="store_true",
        help="enforce Teams' per-conversation and per-app rate limits",
    )
    connector.add_argument(
        "--app-rate",
        type=_positive_int,
        default=TEAMS_APP_LIMITS[0][0],
        metavar="N",
        help="with --rate-limits, the sends per second allowed per app (default: %(default)s)",
    )
    tokens = sub.add_parser(
        "token-service", help="run the local Bot Framework token service (users' Graph tokens)"
    )
    tokens.add_argument("--host", default="127.0.0.1")
    tokens.add_argument("--port", type=port_number, default=3980)
    tokens.add_argument("--embedded", action="store_true", help=argparse.SUPPRESS)
    tokens.add_argument(
        "--app-id",
        help="the bot's app id: with --app-password, every call needs that bot's token, "
        "which this service's own login issues",
    )
    tokens.add_argument(
        "--app-password",
        help="the bot's password",
    )
    tokens.add_argument(
        "--domain",
        default="meetbot.localhost",
        help="the domain of the SSO resource api://<domain>/botid-<app id> (default: %(default)s)",
    )
    _add_signing_key(tokens)
    return parser


def _add_signing_key(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--signing-key",
        type=Path,
        metavar="FILE",
        help="sign users' tokens with the RSA key in this PEM file (made there if there is "
        "none): give a Graph emulator and a token service the same file and the service's "
        "tokens are good for that Graph",
    )


def _signing_key(path: Path | None) -> TokenKey | None:
    if path is None:
        return None
    try:
        return TokenKey.shared(path)
    except (OSError, ValueError) as error:
        raise StartupError(f"--signing-key {path}: {reason(error)}") from None


def _token_service(args: argparse.Namespace) -> TokenService:
    identity = None
    if args.app_id and args.app_password:
        identity = ChannelIdentity(args.app_id, args.app_password)
    key = _signing_key(args.signing_key)
    if key is None:
        return TokenService(identity=identity, domain=args.domain)
    return TokenService(identity=identity, domain=args.domain, key=key)


async def serve_token_service(
    service: TokenService, host: str, port: int, *, embedded: bool = False
) -> int:
    """Serve a token service until a signal, or, when `embedded`, until stdin closes."""
    served = await serve(service.app, host, port, sock=_listen(host, port))
    settle_after_startup()
    stopped = stop_on_signal()
    if embedded:
        watch = _stop_at_end_of_stdin(stopped)
        print(f"{EMBEDDED_READY} {served.url}", flush=True)
    else:
        guarded = "the bot's token required" if service.identity else "no bot token checked"
        print(f"Token service listening on {served.url} ({guarded})", flush=True)
    await stopped.wait()
    if embedded:
        watch.cancel()
    await served.close()
    return 0


async def serve_graph(app: web.Application, host: str, port: int, *, embedded: bool = False) -> int:
    """Serve a Graph emulator's `app` over TLS (a fresh loopback certificate) until a signal,
    or, when `embedded`, until stdin closes."""
    identity = make_loopback_identity()
    served = await serve(app, host, port, identity.server_context(), sock=_listen(host, port))
    try:
        cert = identity.write_cert(default_cert_path(served.port))
    except (OSError, RuntimeError) as error:  # RuntimeError: no home directory at all
        await served.close()
        raise StartupError(
            "local mode keeps the Graph emulator's certificate in $XDG_CACHE_HOME or "
            f"$HOME/.cache, which cannot be written ({reason(error)}): set HOME or "
            "XDG_CACHE_HOME to a writable directory"
        ) from None
    settle_after_startup()
    stopped = stop_on_signal()  # before the banner: whoever reads it may signal at once
    if embedded:
        watch = _stop_at_end_of_stdin(stopped)
        print(f"{EMBEDDED_READY} {served.url} {cert}", flush=True)
    else:
        print(f"Graph emulator: GRAPH_BASE_URL={served.url}/v1.0 (certificate: {cert})", flush=True)
    await stopped.wait()
    if embedded:
        watch.cancel()
    await served.close()
    return 0


async def serve_connector(app: web.Application, host: str, port: int) -> int:
    """Serve a Bot Connector emulator's `app` until a signal."""
    served = await serve(app, host, port, sock=_listen(host, port))
    settle_after_startup()
    stopped = stop_on_signal()
    print(f"Connector emulator listening on {served.url}/v3", flush=True)
    await stopped.wait()
    await served.close()
    return 0


def _listen(host: str, port: int) -> socket.socket:
    try:
        return bind(host, port)
    except OSError as error:
        raise listen_problem(
            host, port, error, host_option="--host", port_option="--port"
        ) from None


def _stop_at_end_of_stdin(stop: asyncio.Event) -> asyncio.Task[None]:
    """Set `stop` when stdin reaches its end: the parent closed it, or exited."""

    loop = asyncio.get_running_loop()

    async def wait() -> None:
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while await reader.read(4096):
            pass
        stop.set()

    return loop.create_task(wait(), name="end-of-stdin")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value
