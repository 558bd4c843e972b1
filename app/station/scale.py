"""Parcel scales on a serial (or USB-serial) port: frame parsers, the stability rule, a reader.

Bench scales send their reading continuously. Two families cover most of what a Chinese
sorting centre has on its benches:

- `toledo`: one line per reading, `ST,GS,+  1.234kg` (Mettler Toledo, OHAUS, many clones):
  ST/US/OL = stable/unstable/overload, GS/NT = gross/net, the sign, the value and the unit.
- `reversed`: the XK3190 family of indicators (耀华 A9, A12 …): `=` then the displayed
  digits in reverse order, no line end, no stable flag (`=0.0210` is 120.0).

A reading is taken when the scale is stable: `count` equal readings in a row, none of them
flagged unstable (and the last one flagged stable, where the format has the flag).
`ScaleMonitor` reads on its own thread and always knows the current stable weight, so a scan
never waits for the port when the parcel is already on the scale; `take()` hands each
placement's weight out once.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from app.domain.errors import ValidationError

FORMATS: tuple[str, ...] = ("toledo", "reversed")
_UNITS = {"kg": Decimal(1), "g": Decimal("0.001"), "lb": Decimal("0.45359237"),
          "t": Decimal(1000)}
_TOLEDO = re.compile(
    r"^\s*(?P<flag>ST|US|OL)\s*,\s*(?P<kind>GS|NT|TR|G|N|T)\s*,\s*(?P<sign>[+-]?)\s*"
    r"(?P<value>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>kg|g|lb|t)?\s*$", re.IGNORECASE)
_REVERSED = re.compile(r"^[0-9.]+-?$")


@dataclass(frozen=True)
class Reading:
    """One reading in kg; `stable` is the scale's own flag (None: the format has none)."""

    kg: Decimal
    stable: bool | None = None
    overload: bool = False


def parse_toledo(frame: str) -> Reading | None:
    """`ST,GS,+  1.234kg` → 1.234 kg, stable. None for a frame that is not a reading."""
    m = _TOLEDO.match(frame)
    if m is None:
        return None
    flag = m["flag"].upper()
    unit = _UNITS[(m["unit"] or "kg").lower()]
    value = Decimal(m["value"]) * unit
    if m["sign"] == "-":
        value = -value
    return Reading(value, flag == "ST", flag == "OL")


def parse_reversed(frame: str) -> Reading | None:
    """`=0.0210` → 120.0 kg (digits sent in reverse; a trailing `-` is the minus sign)."""
    body = frame.strip().lstrip("=").strip()
    if not body or not _REVERSED.match(body):
        return None
    digits = body[::-1]
    negative = digits.startswith("-")
    try:
        value = Decimal(digits.lstrip("-"))
    except InvalidOperation:
        return None
    return Reading(-value if negative else value)


PARSERS: dict[str, Callable[[str], Reading | None]] = {
    "toledo": parse_toledo, "reversed": parse_reversed,
}


def split_frames(buffer: str, fmt: str) -> tuple[list[str], str]:
    """Complete frames in `buffer` and the incomplete rest.

    Line formats end a frame at CR or LF; the reversed format starts each frame with `=`
    (many indicators send no line end at all), so a frame is complete when the next begins
    or a line end follows it.
    """
    if fmt == "reversed":
        parts = re.split(r"(?=[=])|[\r\n]+", buffer)
        rest = parts.pop() if parts else ""
        return [p for p in parts if p.strip()], rest
    parts = re.split(r"[\r\n]+", buffer)
    rest = parts.pop()
    return [p for p in parts if p.strip()], rest


class StabilityRule:
    """Stable after `count` equal readings in a row, none flagged unstable or overloaded."""

    def __init__(self, count: int = 3) -> None:
        self.count = max(1, count)
        self._last: deque[Reading] = deque(maxlen=self.count)

    def feed(self, reading: Reading) -> Decimal | None:
        """The stable weight after this reading, or None while it is still settling."""
        self._last.append(reading)
        if len(self._last) < self.count:
            return None
        first = self._last[0].kg
        if any(r.kg != first or r.stable is False or r.overload for r in self._last):
            return None
        return first

    def reset(self) -> None:
        self._last.clear()


@dataclass(frozen=True)
class ScaleSettings:
    """How the station's scale is connected and what it sends (settings `scale*`)."""

    port: str = ""  # /dev/ttyUSB0, COM3, or a pyserial URL (socket://host:port)
    baud: int = 9600
    frame: str = "8N1"  # data bits, parity (N/E/O), stop bits
    format: str = "toledo"
    stable_count: int = 3

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> ScaleSettings:
        """From the settings table; raises ValidationError naming the bad setting."""
        fmt = (settings.get("scaleFormat") or "toledo").strip().lower()
        if fmt not in FORMATS:
            raise ValidationError("Scale format {value} is unknown; use one of: {known}",
                                  value=fmt, known=", ".join(FORMATS))
        frame = (settings.get("scaleFrame") or "8N1").strip().upper()
        if not re.fullmatch(r"[5-8][NEO][12]", frame):
            raise ValidationError(
                "Scale frame {value} must look like 8N1 (data bits, parity N/E/O, stop bits)",
                value=frame)
        return cls(port=(settings.get("scalePort") or "").strip(),
                   baud=_positive_int("scaleBaud", settings.get("scaleBaud") or "9600"),
                   frame=frame, format=fmt,
                   stable_count=_positive_int("scaleStableCount",
                                              settings.get("scaleStableCount") or "3"))

    def serial_options(self) -> dict[str, Any]:
        return {"baudrate": self.baud, "bytesize": int(self.frame[0]),
                "parity": self.frame[1], "stopbits": int(self.frame[2])}


def _positive_int(key: str, raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if value <= 0:
        raise ValidationError("Setting {key} must be a positive whole number, not {value}",
                              key=key, value=raw)
    return value


class ScaleNotConnected(ValidationError):
    """The scale's port is not set or cannot be opened."""


def open_port(settings: ScaleSettings, timeout: float = 0.05) -> Any:
    """The pyserial port of `settings`; raises ScaleNotConnected with the reason."""
    import serial

    if not settings.port:
        raise ScaleNotConnected("No scale port is set (setting scalePort)")
    try:
        return serial.serial_for_url(settings.port, timeout=timeout,
                                     **settings.serial_options())
    except (serial.SerialException, OSError, ValueError) as exc:
        raise ScaleNotConnected("The scale on {port} cannot be opened: {reason}",
                                port=settings.port, reason=str(exc)) from None


def readings(port: Any, fmt: str, stop: Callable[[], bool]) -> Iterator[Reading]:
    """Readings parsed from `port` until `stop()`; frames that are not readings are skipped."""
    parse = PARSERS[fmt]
    buffer = ""
    while not stop():
        chunk = port.read(max(1, getattr(port, "in_waiting", 0) or 1))
        if not chunk:
            continue
        buffer += chunk.decode("ascii", "replace")
        frames, buffer = split_frames(buffer, fmt)
        for frame in frames:
            reading = parse(frame)
            if reading is not None:
                yield reading
        if len(buffer) > 256:  # noise without frame ends: do not grow without bound
            buffer = buffer[-64:]


class ScaleMonitor:
    """Reads the scale on a daemon thread; `stable_weight()` is the current stable weight.

    `stable_weight()` is None while the scale settles, after it changed, or when it shows
    nothing (≤ 0). `wait_stable()` blocks up to a timeout (CLI use); the GUI polls.
    """

    def __init__(self, settings: ScaleSettings, port: Any | None = None) -> None:
        self.settings = settings
        self._port = port
        self._rule = StabilityRule(settings.stable_count)
        self._lock = threading.Condition()
        self._stable: Decimal | None = None
        self._taken = False  # the current stable weight was taken for a parcel
        self._last: Reading | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None

    def start(self) -> ScaleMonitor:
        if self._port is None:
            self._port = open_port(self.settings)
        self._thread = threading.Thread(target=self._run, name="scale", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._port is not None:
            self._port.close()

    def _run(self) -> None:
        try:
            for reading in readings(self._port, self.settings.format, self._stop.is_set):
                weight = self._rule.feed(reading)
                stable = weight if weight is not None and weight > 0 else None
                with self._lock:
                    self._last = reading
                    if stable != self._stable:
                        self._taken = False
                    self._stable = stable
                    self._lock.notify_all()
        except Exception as exc:  # the port went away: say so instead of dying silently
            with self._lock:
                self.error = str(exc)
                self._stable = None
                self._lock.notify_all()

    def stable_weight(self) -> Decimal | None:
        with self._lock:
            return self._stable

    def last_reading(self) -> Reading | None:
        with self._lock:
            return self._last

    def wait_stable(self, timeout: float) -> Decimal | None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._stable is None and self.error is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._lock.wait(left)
            return self._stable

    def take(self, timeout: float = 0.0) -> Decimal | None:
        """The stable weight of the parcel now on the scale, once: after it is taken, the
        next take waits until the weight changes (the parcel is lifted off and the next one
        put on), so one placement is never booked for two scans."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._stable is None or self._taken:
                left = deadline - time.monotonic()
                if left <= 0 or self.error is not None:
                    return None
                self._lock.wait(left)
            self._taken = True
            return self._stable
