"""Random bytes for the ids Meetbot and its Graph emulator mint, read from the OS a few KiB at
a time.

Meetbot names each reminder it makes with a random id; the Graph emulator takes seven random
values to create one event (its id, iCalUId and changeKey, the meeting's thread and dial-in
ids, its conference ID, the answer's request-id). Each `os.urandom` is a system call, and one
that lets go of the GIL: in the bot, the event loop then waits to get it back from the store's
thread, ~90 µs per call measured under load (`bench/`). The pool reads the same source 4 KiB at
a time and hands out each byte once, so the values are exactly as random as `secrets` makes
them. A forked child starts with an empty pool (it must not repeat its parent's bytes).
"""

from __future__ import annotations

import os
import threading

_CHUNK = 4096


class _Pool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bytes = b""
        self._used = 0

    def take(self, count: int) -> bytes:
        with self._lock:
            if self._used + count > len(self._bytes):
                self._bytes = os.urandom(max(_CHUNK, count))
                self._used = 0
            start = self._used
            self._used += count
            return self._bytes[start : self._used]

    def forget(self) -> None:
        self._bytes, self._used = b"", 0


_pool = _Pool()
os.register_at_fork(after_in_child=_pool.forget)


def token_bytes(count: int) -> bytes:
    """`secrets.token_bytes(count)`."""
    return _pool.take(count)


def token_hex(count: int) -> str:
    """`secrets.token_hex(count)`."""
    return _pool.take(count).hex()


def uuid4_text() -> str:
    """`str(uuid.uuid4())`."""
    return uuid4_text_from(_pool.take(16))


def uuid4_hex() -> str:
    """`uuid.uuid4().hex`."""
    return _uuid4_digits(_pool.take(16))


def uuid4_text_from(raw: bytes) -> str:
    """`str(uuid.UUID(bytes=raw, version=4))`, without building the UUID."""
    text = _uuid4_digits(raw)
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _uuid4_digits(raw: bytes) -> str:
    """The 32 hex digits of the version 4 UUID made of `raw` (`uuid.UUID(...).hex`)."""
    digits = bytearray(raw)
    digits[6] = digits[6] & 0x0F | 0x40  # the version, 4
    digits[8] = digits[8] & 0x3F | 0x80  # the variant, RFC 4122
    return digits.hex()


def randbelow(limit: int) -> int:
    """`secrets.randbelow(limit)`: uniform in [0, limit), by the same rejection sampling."""
    if limit <= 0:
        raise ValueError("randbelow needs a positive limit")
    bits = limit.bit_length()
    while (value := _getrandbits(bits)) >= limit:
        pass
    return value


def _getrandbits(bits: int) -> int:
    # As SystemRandom.getrandbits: whole bytes, the surplus low bits shifted away.
    count = (bits + 7) // 8
    return int.from_bytes(_pool.take(count)) >> (count * 8 - bits)
