"""The `meetbot` command: `run` the bot, or run one of the local emulators on its own.

`run` decides on local mode: with no Graph configured at all it starts a Graph emulator as its
child process (`python -m emulators graph --embedded`) and hands `create_app` that endpoint; in
delegated mode (`GRAPH_PERMISSIONS=delegated`) without `OAUTH_URL` also a Bot Framework token
service stand-in (`python -m emulators token-service --embedded`) signing with that Graph
emulator's key, and hands `create_app` its URL.
The emulator commands run `python -m emulators`, in place of this process: `bot/` never
imports the emulators.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import logging
import os
import signal
import socket
import sys
import tempfile
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from bot.app import GraphEndpoint, create_app
from bot.heap import settle_after_startup
from bot.local import EMBEDDED_FAILED, EMBEDDED_READY, SIGNING_KEY_FILE
from bot.logs import configure_logging
from bot.package import NIL_ID, PackageIds, build_package, sso_resource
from bot.serve import bind, serve
from bot.settings import (
    GraphPermissions,
    RuntimeConfig,
    Settings,
    SettingsError,
    load_settings,
    resolve,
    secret_values,
)
from bot.startup import StartupError, listen_problem

log = logging.getLogger("meetbot")


T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in _EMULATORS:  # the emulators' own command, in our place
        command = [sys.executable, "-m", "emulators", _EMULATORS[arguments[0]], *arguments[1:]]
        os.execv(sys.executable, command)  # noqa: S606
    parser = _parser()
    args = parser.parse_args(arguments)
    if args.command is None:
        parser.print_help()
        return 2
    overrides = {"port": args.port} if getattr(args, "port", None) is not None else {}
    try:
        settings = load_settings(**overrides) if args.command == "run" else load_settings()
    except SettingsError as exc:
        print(f"meetbot: configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        configure_logging(settings.log_level, settings.log_format, secrets=secret_values(settings))
    except ValueError:
        print(
            f"meetbot: configuration error: LOG_LEVEL: unknown level {settings.log_level!r}",
            file=sys.stderr,
        )
        return 2
    if args.command == "package":
        return _package(args, settings)
    if args.command == "run":
        try:
            config = resolve(settings)
        except SettingsError as exc:
            print(f"meetbot: configuration error: {exc}", file=sys.stderr)
            return 2
        try:
            # Bound before anything starts (or logs): a taken port is the only line printed.
            sock = listen(config.host, config.settings.port)
        except StartupError as exc:
            print(f"meetbot: cannot start: {exc}", file=sys.stderr)
            return 1
        if not config.auth_enabled and config.host_given and config.host not in _LOOPBACK:
            log.warning(
                "MicrosoftAppId is not set, so incoming requests are not authenticated, yet "
                "HOST=%s exposes the bot beyond this machine.",
                config.host,
            )
        return _until_stopped(_run(config, sock))
    raise AssertionError(args.command)  # every command is handled above


_EMULATORS = {
    "graph-emulator": "graph",
    "connector-emulator": "connector",
    "token-service": "token-service",
}


async def _run(config: RuntimeConfig, sock: socket.socket) -> int:
    """Serve Meetbot; with no Graph configured, beside a Graph emulator of its own (and, in
    delegated mode without OAUTH_URL, a token service of its own)."""
    async with contextlib.AsyncExitStack() as stack:
        graph = None
        oauth_url = None
        if config.graph is None and not config.graph_base_url:
            signing_key = None
            if config.delegated and not config.settings.oauth_url:
                # The two children sign and check users' tokens with one key, which lives in
                # a directory of this run's own and goes with it.
                keys = stack.enter_context(tempfile.TemporaryDirectory(prefix="meetbot-"))
                signing_key = Path(keys) / SIGNING_KEY_FILE
            graph = await _start_graph_emulator(stack, signing_key)
            if signing_key is not None:
                oauth_url = await _start_token_service(stack, signing_key)
                log.warning(
                    "Local mode, delegated: users sign in through the token service stand-in "
                    "at %s (OAUTH_URL), whose tokens are good for the Graph emulator at %s.",
                    oauth_url,
                    graph.base_url,
                )
        app = create_app(config, graph=graph, oauth_url=oauth_url)
        return await serve_until_stopped(
            app, config.host, config.settings.port, "Meetbot", sock=sock
        )


async def _start_graph_emulator(
    stack: contextlib.AsyncExitStack, signing_key: Path | None = None
) -> GraphEndpoint:
    """A Graph emulator on a free loopback port, as a child process that stops when this one
    closes its stdin (on the way out, or by dying); signing users' tokens with the key in
    `signing_key` when given."""
    key = ["--signing-key", str(signing_key)] if signing_key is not None else []
    ready = await _start_emulator(stack, "Graph emulator", ["graph", *key])
    url, _, cert = ready.partition(" ")
    return GraphEndpoint.emulator(url, Path(cert))


async def _start_token_service(stack: contextlib.AsyncExitStack, signing_key: Path) -> str:
    """A Bot Framework token service stand-in on a free loopback port, a child process like
    the Graph emulator, whose users' tokens are signed with the key in `signing_key`; its URL."""
    args = ["token-service", "--signing-key", str(signing_key)]
    return await _start_emulator(stack, "token service", args)


async def _start_emulator(stack: contextlib.AsyncExitStack, name: str, args: list[str]) -> str:
    """Start `python -m emulators <args> --port 0 --embedded`; what its ready line says after
    EMBEDDED_READY, or a StartupError with why it did not start."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulators",
        *args,
        "--port",
        "0",
        "--embedded",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    stack.push_async_callback(_stop_child, child)
    assert child.stdout is not None
    try:
        async with asyncio.timeout(_EMULATOR_START_S):
            line = (await child.stdout.readline()).decode().strip()
    except TimeoutError:
        line = ""
    status, _, rest = line.partition(" ")
    if status == EMBEDDED_READY:
        return rest
    if status == EMBEDDED_FAILED:
        raise StartupError(rest)
    raise StartupError(f"the built-in {name} did not start within {_EMULATOR_START_S:.0f} s")


_EMULATOR_START_S = 30.0


async def _stop_child(child: asyncio.subprocess.Process) -> None:
    assert child.stdin is not None
    child.stdin.close()
    try:
        async with asyncio.timeout(5.0):
            await child.wait()
    except TimeoutError:
        child.kill()
        await child.wait()


def _until_stopped(main: Coroutine[Any, Any, int]) -> int:
    """Serve until a signal; a start-up failure is one line on stderr and exit status 1."""
    try:
        return run_loop(main)
    except StartupError as exc:
        print(f"meetbot: cannot start: {exc}", file=sys.stderr)
        return 1


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop where it is installed (Linux, macOS): the same asyncio API, with the
    loop's own work (polling, callbacks, socket I/O) in C; else on asyncio's own loop."""
    try:
        import uvloop  # noqa: PLC0415 (optional: not on Windows)
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meetbot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"meetbot {_version()}")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser(
        "run", help="serve /api/messages (local mode when Graph is not configured)"
    )
    run.add_argument(
        "--port",
        type=port_number,
        help="port to listen on (default: PORT, else 3978; 0: any free port)",
    )
    package = sub.add_parser("package", help="write the Teams app package (manifest and icons)")
    package.add_argument(
        "-o", "--output", type=Path, default=DEFAULT_PACKAGE, help="default: %(default)s"
    )
    package.add_argument(
        "--app-id", help="the Teams app id (default: TEAMS_APP_ID, else the bot id)"
    )
    package.add_argument("--bot-id", help="the Azure Bot's app id (default: MicrosoftAppId)")
    package.add_argument("--domain", help="the bot's public host name (default: BOT_DOMAIN)")
    # Run by `python -m emulators`, which has their options: `meetbot graph-emulator --help`.
    sub.add_parser("graph-emulator", help="run the local Microsoft Graph emulator", add_help=False)
    sub.add_parser(
        "connector-emulator", help="run the local Bot Connector emulator", add_help=False
    )
    sub.add_parser(
        "token-service", help="run the local Bot Framework token service", add_help=False
    )
    return parser


DEFAULT_PACKAGE = Path("build/meetbot-app.zip")


def _package(args: argparse.Namespace, settings: Settings) -> int:
    bot_id = args.bot_id or settings.microsoft_app_id
    app_id = args.app_id or settings.teams_app_id or bot_id
    delegated = settings.graph_permissions is GraphPermissions.DELEGATED
    if not bot_id and not delegated:  # delegated mode refuses it instead, below
        log.warning(
            "MicrosoftAppId is not set: the package carries the placeholder id %s and will not "
            "reach a bot until it is built again with the Azure Bot's app id",
            NIL_ID,
        )
    try:
        ids = PackageIds(
            app_id=app_id or NIL_ID,
            bot_id=bot_id or NIL_ID,
            domain=args.domain or settings.bot_domain,
        )
        path = build_package(ids, args.output, delegated=delegated)
    except (ValueError, OSError) as exc:  # a bad id or domain, an unwritable path
        print(f"meetbot: {exc}", file=sys.stderr)
        return 2
    print(f"Teams app package: {path}", flush=True)
    if delegated:  # the one value three places must share, or the token exchange fails
        print(
            f"Single sign-on resource: {sso_resource(ids)} (the bot app's Application ID URI "
            "and its OAuth connection's Token Exchange URL must be exactly this)",
            flush=True,
        )
    return 0


def _version() -> str:
    try:
        return importlib.metadata.version("meetbot")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that is not installed
        return "(not installed)"


def port_number(text: str) -> int:
    """argparse's type for a port option (0 picks any free port)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text!r}")
    return value


def listen(host: str, port: int, *, emulator: bool = False) -> socket.socket:
    """A socket bound to host:port, or a `StartupError` that says why it cannot be (and which
    option changes it: an emulator's `--host`/`--port`, or Meetbot's settings)."""
    try:
        return bind(host, port)
    except OSError as error:
        if emulator:
            raise listen_problem(
                host, port, error, host_option="--host", port_option="--port"
            ) from None
        raise listen_problem(host, port, error) from None


async def serve_until_stopped(
    app: web.Application,
    host: str,
    port: int,
    name: str,
    path: str = "/api/messages",
    *,
    sock: socket.socket | None = None,
) -> int:
    """Serve `app` (Meetbot, or the benchmarks' floor bot) until SIGINT or SIGTERM, on `sock`
    if given (already bound to host:port); the banner names the URL under `path`."""
    served = await serve(app, host, port, sock=sock or listen(host, port, emulator=True))
    settle_after_startup()  # everything alive now lives as long as the process
    stopped = stop_on_signal()  # before the banner: whoever reads it may signal at once
    print(f"{name} listening on {served.url}{path}", flush=True)
    await stopped.wait()
    await served.close()
    return 0


def stop_on_signal() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM (from now on, in the running loop)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop
