"""Cut whole telegrams out of a byte stream, normalise line endings, compute the CRC.

A telegram runs from ``/`` to ``!`` followed by 0-4 hex CRC digits and a line end.
Bytes before the first ``/`` are the tail of a telegram that started before we
connected: they are dropped without complaint. A ``/`` that arrives before the
``!`` of the telegram in progress means that telegram was cut short.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

MAX_TELEGRAM = 16384  # bytes; the longest real telegrams (BE with peaks, text messages) stay far below
_HEX = frozenset(b"0123456789ABCDEFabcdef")


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc_table()


def crc16(data: bytes) -> int:
    """CRC-16/ARC (poly 0xA001 reflected, init 0) as DSMR uses, over ``/`` up to and including ``!``."""
    crc = 0
    table = _TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


def normalise_line_ends(data: bytes) -> bytes:
    """CRLF everywhere: HTTP, MQTT and copy-paste often strip the CR, which breaks the CRC."""
    if b"\n" not in data.replace(b"\r\n", b""):
        return data
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@dataclass(frozen=True, slots=True)
class Frame:
    """One telegram: ``body`` is ``/`` through ``!`` with CRLF line ends; ``crc`` the hex after ``!``."""

    offset: int  # byte position of the '/' in the stream
    body: bytes
    crc: str

    @property
    def text(self) -> str:
        """The telegram as dsmr_parser expects it (latin-1 keeps every byte; the CRC guards content)."""
        return self.body.decode("latin-1") + self.crc + "\r\n"


@dataclass(frozen=True, slots=True)
class Broken:
    """Bytes that looked like a telegram but were not a whole one."""

    offset: int
    reason: str  # "truncated"
    detail: str


class TelegramFramer:
    """Feed bytes in any chunks; get :class:`Frame` and :class:`Broken` items out, in stream order."""

    def __init__(self, report_leading: bool = False) -> None:
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]
        self._synced = False  # seen a '/' yet
        self._report_leading = report_leading  # files: leading bytes are a fault, streams: normal

    def feed(self, data: bytes) -> list[Frame | Broken]:
        self._buf += data
        return list(self._cut())

    def finish(self) -> list[Frame | Broken]:
        """End of stream: a telegram still open is truncated."""
        out = list(self._cut())
        start = self._buf.find(b"/")
        if start >= 0 and self._buf[start:].strip():
            out.append(
                Broken(self._base + start, "truncated", "the stream ended before the closing '!' and CRC")
            )
        elif self._buf.strip(b"\r\n\0 \t") and (self._synced or self._report_leading):
            out.append(Broken(self._base, "truncated", "bytes without a telegram start '/' at the end"))
        self._drop(len(self._buf))
        return out

    def reset(self) -> None:
        """After a reconnect: what is buffered belongs to the old connection."""
        self._drop(len(self._buf))
        self._synced = False

    def _drop(self, n: int) -> None:
        del self._buf[:n]
        self._base += n

    def _cut(self) -> Iterator[Frame | Broken]:
        buf = self._buf
        while True:
            start = buf.find(b"/")
            if start < 0:
                if not self._synced or len(buf) > MAX_TELEGRAM:
                    # before the first start this is the tail of a telegram we joined mid-way
                    self._drop(len(buf))
                return
            if start > 0:
                junk = bytes(buf[:start])
                if junk.strip(b"\r\n\0 \t") and (self._synced or self._report_leading):
                    yield Broken(self._base, "truncated", f"{len(junk)} bytes without a telegram start '/'")
                self._drop(start)
            self._synced = True
            bang = buf.find(b"!", 1)
            restart = buf.find(b"/", 1, bang if bang >= 0 else len(buf))
            if restart > 0:
                yield Broken(self._base, "truncated", "a new telegram started before this one ended with '!'")
                self._drop(restart)
                continue
            if bang < 0:
                if len(buf) > MAX_TELEGRAM:
                    yield Broken(self._base, "truncated", f"no closing '!' within {MAX_TELEGRAM} bytes")
                    self._drop(len(buf))
                return
            line_end = buf.find(b"\n", bang)
            next_start = buf.find(b"/", bang)
            if next_start >= 0 and (line_end < 0 or next_start < line_end):
                end, consumed = next_start, next_start  # no line end after the CRC: keep the next '/'
            elif line_end >= 0:
                end, consumed = line_end, line_end + 1
            elif len(buf) - bang > 8:  # the CRC line is at most "!ABCD\0\r\n"
                end = consumed = len(buf)
            else:
                return
            tail = bytes(buf[bang + 1 : end]).rstrip(b"\r\0")
            body = normalise_line_ends(bytes(buf[: bang + 1]))
            offset = self._base
            self._drop(consumed)
            if len(tail) > 4 or any(c not in _HEX for c in tail):
                yield Broken(offset, "truncated", f"garbage after '!': {tail[:16]!r}")
                continue
            yield Frame(offset, body, tail.decode("ascii").upper())
