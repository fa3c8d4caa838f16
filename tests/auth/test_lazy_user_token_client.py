"""botbuilder asks for a user-token client on every activity; Meetbot builds it only on use."""

from __future__ import annotations

from typing import Any

from bot.teams.auth import LazyUserTokenClient


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    async def get_token_status(self, *args: Any) -> list[str]:
        self.calls.append(("get_token_status", args))
        return ["status"]

    async def sign_out_user(self, *args: Any) -> None:
        self.calls.append(("sign_out_user", args))


async def test_the_real_client_is_built_once_and_only_when_used() -> None:
    built: list[_Recorder] = []

    async def build() -> Any:
        built.append(_Recorder())
        return built[-1]

    lazy = LazyUserTokenClient(build)
    assert built == []  # a turn that never signs anyone in builds nothing

    assert await lazy.get_token_status("user", "msteams", None) == ["status"]
    await lazy.sign_out_user("user", "conn", "msteams")
    assert len(built) == 1
    assert built[0].calls == [
        ("get_token_status", ("user", "msteams", None)),
        ("sign_out_user", ("user", "conn", "msteams")),
    ]
