"""The pooled randomness (reminder ids, the Graph emulator's ids) gives what `secrets` and
`uuid` would."""

from __future__ import annotations

import os
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import randomness


@settings(derandomize=True, max_examples=500)
@given(raw=st.binary(min_size=16, max_size=16))
def test_uuid_text_is_what_uuid_writes(raw: bytes) -> None:
    assert randomness.uuid4_text_from(raw) == str(uuid.UUID(bytes=raw, version=4))


def test_every_byte_is_handed_out_once() -> None:
    drawn = [randomness.token_bytes(16) for _ in range(2000)]  # several pool refills

    assert len(set(drawn)) == len(drawn)
    assert all(len(token) == 16 for token in drawn)
    assert len(randomness.token_hex(40)) == 80
    assert len(randomness.token_bytes(10_000)) == 10_000  # more than one pool's worth


def test_randbelow_covers_its_range_and_nothing_else() -> None:
    for limit in (1, 2, 9, 10, 255, 256, 257):
        seen = {randomness.randbelow(limit) for _ in range(60 * limit)}
        assert seen == set(range(limit))
    conference_ids = [randomness.randbelow(9 * 10**8) for _ in range(1000)]
    assert all(0 <= value < 9 * 10**8 for value in conference_ids)


def test_a_forked_child_draws_other_bytes_than_its_parent() -> None:
    randomness._pool.forget()
    randomness.token_bytes(1)  # the pool now holds the bytes the parent hands out next
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.write(write, randomness.token_bytes(32))
        os._exit(0)
    os.close(write)
    child = os.read(read, 32)
    os.close(read)
    os.waitpid(pid, 0)

    assert len(child) == 32
    assert randomness.token_bytes(32) != child


def test_uuid4_hex_is_a_version_4_uuid() -> None:
    drawn = {randomness.uuid4_hex() for _ in range(500)}
    assert len(drawn) == 500
    for text in drawn:
        parsed = uuid.UUID(hex=text)
        assert parsed.hex == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_ids_read_the_os_a_few_kib_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    real = os.urandom

    def counted(count: int) -> bytes:
        reads.append(count)
        return real(count)

    monkeypatch.setattr(os, "urandom", counted)
    randomness._pool.forget()
    for _ in range(512):  # 8 KiB of ids
        randomness.uuid4_hex()
    assert reads == [4096, 4096]
