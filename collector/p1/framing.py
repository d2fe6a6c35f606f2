"""Cut whole telegrams out of a byte stream, normalise line endings, compute the CRC.

A telegram runs from ``/`` to ``!`` followed by 0-4 hex CRC digits and a line end.
Bytes before the first ``/`` are the tail of a telegram that started before we
connected: they are dropped without complaint. A ``/`` that arrives before the
``!`` of the telegram in progress means that telegram was cut short.
"""

from __future__ import annotations

import re
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
    line: int = 1  # line number of the '/' in the stream

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
    line: int = 1


# an OBIS data line: what tells a cut-short telegram from noise that happens to hold a '/'
_OBIS_LINE = re.compile(rb"\d-\d+:\d+\.\d+\.\d+(?:\*\d+)?\(")
_BLANK = b"\r\n\0 \t"


class TelegramFramer:
    """Feed bytes in any chunks; get :class:`Frame` and :class:`Broken` items out, in stream order.

    Bytes that belong to no telegram add to :attr:`garbage_bytes` (line ends, NULs and
    blanks excepted, so the count does not depend on how the stream was chunked). On a
    live link the bytes before the first ``/`` are the tail of a telegram sent before we
    connected: they only count as garbage when there are more of them than one telegram
    can hold. Files (``report_leading``) have no such excuse. Junk is dropped as soon as it
    is recognised and a '!' is only searched up to the next '/', so a stream of junk costs
    linear time and at most ``MAX_TELEGRAM`` of memory.
    """

    def __init__(self, report_leading: bool = False) -> None:
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]
        self._lines = 0  # line ends before _buf[0]
        self._synced = False  # seen a '/' yet
        self._report_leading = report_leading
        self._leading = 0  # bytes dropped before the first '/'
        self.garbage_bytes = 0

    def feed(self, data: bytes) -> list[Frame | Broken]:
        self._buf += data
        return list(self._cut())

    def idle(self) -> list[Frame | Broken]:
        """Nothing arrived for a while: a telegram whose CRC is there but whose line end is not is whole."""
        return list(self._cut(final=True))

    def finish(self) -> list[Frame | Broken]:
        """End of stream: a whole telegram without line end is accepted, one still open is truncated."""
        out = list(self._cut(final=True))
        buf = self._buf
        start = buf.find(b"/")
        if start >= 0 and _OBIS_LINE.search(buf, start):
            self._junk(start)
            detail = "the stream ended before the closing '!' and CRC"
            out.append(Broken(self._base, "truncated", detail, self._lines + 1))
            self._drop(len(buf))
        else:
            self._junk(len(buf))
        return out

    def reset(self) -> None:
        """After a reconnect: what is buffered belongs to the old connection."""
        self._drop(len(self._buf))
        self._synced = False
        self._leading = 0

    def _drop(self, n: int) -> None:
        self._lines += self._buf.count(b"\n", 0, n)
        del self._buf[:n]
        self._base += n

    def _junk(self, n: int) -> None:
        """Drop ``n`` bytes that are no part of a telegram, counting them."""
        if n <= 0:
            return
        junk = bytes(self._buf[:n])
        self._drop(n)
        size = len(junk.translate(None, _BLANK))  # line ends and blanks between telegrams are no junk
        if self._synced or self._report_leading:
            self.garbage_bytes += size
            return
        # before the first '/': the tail of a telegram we joined mid-way, unless it is too long for one
        self._leading += size
        if self._leading > MAX_TELEGRAM:
            self.garbage_bytes += self._leading
            self._leading = 0
            self._report_leading = True  # from here on every stray byte counts

    def _cut(self, final: bool = False) -> Iterator[Frame | Broken]:
        buf = self._buf
        while True:
            start = buf.find(b"/")
            if start < 0:
                if not self._synced or len(buf) > MAX_TELEGRAM:
                    self._junk(len(buf))
                return
            self._junk(start)
            self._synced = True
            # the next '/' first, then a '!' only before it: no byte is searched twice
            restart = buf.find(b"/", 1)
            bang = buf.find(b"!", 1, restart if restart > 0 else len(buf))
            if bang < 0:
                if restart > 0:
                    yield from self._broken(restart, "a new telegram started before this one ended with '!'")
                    continue
                if len(buf) > MAX_TELEGRAM:
                    yield from self._broken(len(buf), f"no closing '!' within {MAX_TELEGRAM} bytes")
                return
            line_end = buf.find(b"\n", bang, restart if restart > 0 else len(buf))
            if line_end >= 0:
                end, consumed = line_end, line_end + 1
            elif restart > 0:
                end, consumed = restart, restart  # no line end after the CRC: keep the next '/'
            else:
                tail = bytes(buf[bang + 1 :]).rstrip(b"\r\0")
                if len(tail) == 4 and all(c in _HEX for c in tail):
                    end = consumed = len(buf)  # a full CRC: whole, whether a line end follows or not
                elif final or len(buf) - bang > 8:  # the CRC line is at most "!ABCD\0\r\n"
                    end = consumed = len(buf)
                else:
                    return
            tail = bytes(buf[bang + 1 : end]).rstrip(b"\r\0")
            body = normalise_line_ends(bytes(buf[: bang + 1]))
            offset, line = self._base, self._lines + 1
            self._drop(consumed)
            if len(tail) > 4 or any(c not in _HEX for c in tail):
                yield Broken(offset, "truncated", f"garbage after '!': {tail[:16]!r}", line)
                continue
            yield Frame(offset, body, tail.decode("ascii").upper(), line)

    def _broken(self, end: int, detail: str) -> Iterator[Broken]:
        """``_buf[:end]`` starts with '/' but is no whole telegram: cut short, or noise holding a '/'."""
        if _OBIS_LINE.search(self._buf, 0, end):
            broken = Broken(self._base, "truncated", detail, self._lines + 1)
            self._drop(end)
            yield broken
        else:
            self._junk(end)
