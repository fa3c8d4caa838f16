"""How Meetbot reaches a Graph emulator on this machine: the emulator's well-known app
registration, its tenant, where it leaves its certificate, and how an embedded emulator says it
is ready. The emulators (`emulators/`)
read these from here; nothing in `bot/` imports the emulators.
"""

from __future__ import annotations

import os
from pathlib import Path

LOCAL_CLIENT_ID = "meetbot-local"
# Not a secret: the loopback emulator's well-known app registration for zero-config local mode.
LOCAL_CLIENT_SECRET = "meetbot-local-secret"  # noqa: S105
LOCAL_TENANT = "local"

# `meetbot run` in local mode starts `python -m emulators graph --embedded` as its child (and,
# in delegated mode, `python -m emulators token-service --embedded`), which prints one line:
# `EMBEDDED_READY <base URL> [<certificate file>]` or `EMBEDDED_FAILED <reason>`.
EMBEDDED_READY = "emulator-ready"
EMBEDDED_FAILED = "emulator-failed"
# ... and hands both the same `--signing-key` file, in a directory of its own, so that the
# token service's user tokens are good for that Graph emulator.
SIGNING_KEY_FILE = "signing-key.pem"


def default_cert_path(port: int) -> Path:
    """Where an emulator listening on `port` leaves its certificate for local clients.

    `meetbot graph-emulator` writes it, and `meetbot run` pointed at that emulator through a
    loopback GRAPH_BASE_URL finds it here without any setting.
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "meetbot" / f"graph-emulator-{port}.pem"
