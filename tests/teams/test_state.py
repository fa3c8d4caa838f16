"""`MeetbotConversationState` saves exactly when botbuilder's `ConversationState` would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botbuilder.core import ConversationState, MemoryStorage
from botbuilder.dialogs import DialogInstance, DialogState

from bot.store.serialize import _flatten, _restore
from bot.teams.sender_state import SENDER_KEY_PREFIX, sender_state_key
from bot.teams.state import MeetbotConversationState
from tests.factories import make_turn_context


class _CountingStorage(MemoryStorage):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    async def write(self, changes: dict[str, Any]) -> None:
        self.writes += 1
        await super().write(changes)


Change = Callable[[dict[str, Any]], None]


def _set(key: str, value: Any) -> Change:
    return lambda state: state.__setitem__(key, value)


def _push(state: dict[str, Any]) -> None:
    state["DialogStates"]["user"].dialog_stack.append(DialogInstance(id="meet", state={}))


def _nothing(state: dict[str, Any]) -> None:
    pass


# Each case: what the first turn leaves stored, then what the second turn does to it.
CASES: dict[str, tuple[Change, Change]] = {
    "usual turn, nothing changes": (_set("DialogStates", {}), _nothing),
    "a plain value changes": (_set("n", 1), _set("n", 2)),
    "an int becomes an equal float": (_set("n", 1), _set("n", 1.0)),
    "an int becomes an equal bool": (_set("n", 1), _set("n", True)),
    "a list becomes a tuple": (_set("pair", [1, 2]), _set("pair", (1, 2))),
    "a value becomes NaN": (_set("n", None), _set("n", float("nan"))),
    "keys are reordered": (_set("a", {"x": 1, "y": 2}), _set("a", {"y": 2, "x": 1})),
    "a dialog starts": (_set("DialogStates", {}), _set("DialogStates", {"user": DialogState()})),
    "a dialog's stack grows": (
        _set("DialogStates", {"user": DialogState()}),
        _push,
    ),
    "a dialog's state, unchanged": (_set("DialogStates", {"user": DialogState()}), _nothing),
}


async def _writes(state_class: type[ConversationState], first: Change, second: Change) -> int:
    """Storage writes in the second turn (the first one's write is not counted)."""
    storage = _CountingStorage()
    state = state_class(storage)
    turn = make_turn_context()
    await state.load(turn)
    first(state.get(turn))
    await state.save_changes(turn, force=True)
    before = storage.writes
    turn = make_turn_context()
    await state.load(turn)
    second(state.get(turn))
    await state.save_changes(turn)
    return storage.writes - before


@pytest.mark.parametrize(("first", "second"), CASES.values(), ids=CASES.keys())
async def test_saves_when_botbuilder_would(first: Change, second: Change) -> None:
    expected = await _writes(ConversationState, first, second)
    assert await _writes(MeetbotConversationState, first, second) == expected


async def test_botbuilder_saves_a_new_conversations_empty_state() -> None:
    storage = _CountingStorage()
    state = ConversationState(storage)
    turn = make_turn_context()
    await state.load(turn)  # nothing stored yet
    await state.save_changes(turn)
    assert storage.writes == 1
    await state.clear_state(turn)
    await state.save_changes(turn)
    assert storage.writes == 2


async def test_a_new_conversations_state_is_saved_once_it_holds_something() -> None:
    """Unlike botbuilder: an empty state is not written (two instances writing the same empty
    state would conflict); a cleared state is, as botbuilder does."""
    storage = _CountingStorage()
    state = MeetbotConversationState(storage)
    dialogs = state.create_property("DialogStates")
    turn = make_turn_context()
    await state.load(turn)  # nothing stored yet
    await dialogs.get(turn, dict)  # what every turn's prune leaves: empty dialog states
    await state.save_changes(turn)
    assert storage.writes == 0
    await dialogs.set(turn, {"29:user": {"stack": []}})
    await state.save_changes(turn)
    assert storage.writes == 1
    await state.clear_state(turn)
    await state.save_changes(turn)
    assert storage.writes == 2


async def test_the_usual_state_unchanged_is_not_written_again() -> None:
    storage = _CountingStorage()
    await storage.write({"msteams/conversations/a:conversation": {"DialogStates": {}}})
    state = MeetbotConversationState(storage)
    turn = make_turn_context()
    await state.load(turn)
    await state.save_changes(turn)
    assert storage.writes == 1  # only the setup's


@pytest.mark.parametrize("sender", ["py/b64", "py/object", "py/id", "py/reduce", "29:user"])
async def test_per_sender_keys_survive_the_stores_serialization(sender: str) -> None:
    """Stored as jsonpickle JSON, a dict key that is a jsonpickle tag is read as the tag: the
    load fails (`py/b64`) or the entry is lost. `sender_state_key` keys never are one."""
    turn = make_turn_context()
    turn.activity.from_property.id = sender
    key = sender_state_key(turn.activity)
    value = {"DialogStates": {key: DialogState([DialogInstance(id="meet", state={})])}}

    restored = _restore(_flatten(value), 1)

    assert key.startswith(SENDER_KEY_PREFIX) and key.endswith(sender)
    assert [i.id for i in restored["DialogStates"][key].dialog_stack] == ["meet"]
