"""Scale frames, the stability rule and a pseudo-terminal playing a scale."""

from __future__ import annotations

import os
import threading
import tty
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import ValidationError
from app.station.scale import (
    Reading,
    ScaleMonitor,
    ScaleNotConnected,
    ScaleSettings,
    StabilityRule,
    open_port,
    parse_reversed,
    parse_toledo,
    split_frames,
)


@pytest.mark.parametrize(("frame", "kg", "stable"), [
    ("ST,GS,+  1.234kg", Decimal("1.234"), True),
    ("US,GS,+  1.230kg", Decimal("1.230"), False),
    ("ST,NT,-  0.010kg", Decimal("-0.010"), True),
    ("ST,GS,+   1234g", Decimal("1.234"), True),
    ("ST,GS,+0012.50 kg", Decimal("12.50"), True),
])
def test_toledo_frames(frame: str, kg: Decimal, stable: bool) -> None:
    assert parse_toledo(frame) == Reading(kg, stable)


def test_toledo_overload_and_noise() -> None:
    reading = parse_toledo("OL,GS,+ 99.999kg")
    assert reading is not None and reading.overload
    assert parse_toledo("hello") is None
    assert parse_toledo("ST,GS,+ kg") is None


@pytest.mark.parametrize(("frame", "kg"), [
    ("=0.0210", Decimal("120.0")), ("=00.5100", Decimal("15.00")),
    ("=432.100", Decimal("1.234")), ("=5.100-", Decimal("-1.5")),
])
def test_reversed_frames(frame: str, kg: Decimal) -> None:
    reading = parse_reversed(frame)
    assert reading is not None and reading.kg == kg and reading.stable is None


def test_reversed_noise() -> None:
    assert parse_reversed("=") is None
    assert parse_reversed("=ab.12") is None


@given(st.decimals(min_value=0, max_value=Decimal("999.999"), places=3))
def test_reversed_round_trip(kg: Decimal) -> None:
    shown = f"{kg:08.3f}"
    assert parse_reversed("=" + shown[::-1]) == Reading(Decimal(shown))


@given(st.decimals(min_value=0, max_value=Decimal("999.999"), places=3), st.booleans())
def test_toledo_round_trip(kg: Decimal, stable: bool) -> None:
    frame = f"{'ST' if stable else 'US'},GS,+{kg:>9.3f}kg"
    assert parse_toledo(frame) == Reading(Decimal(f"{kg:.3f}"), stable)


def test_frames_split_on_line_ends_and_equals_signs() -> None:
    assert split_frames("ST,GS,+1.0kg\r\nST,GS,+1", "toledo") == (["ST,GS,+1.0kg"], "ST,GS,+1")
    assert split_frames("=0.0210=0.0210=0.0", "reversed") == (["=0.0210", "=0.0210"], "=0.0")


def test_stable_after_n_equal_readings_none_flagged_unstable() -> None:
    rule = StabilityRule(3)
    one = Reading(Decimal("1.2"), True)
    assert rule.feed(one) is None
    assert rule.feed(Reading(Decimal("1.2"), False)) is None
    assert rule.feed(one) is None  # the unstable one is still among the last three
    assert rule.feed(one) is None
    assert rule.feed(one) == Decimal("1.2")
    assert rule.feed(Reading(Decimal("1.3"), True)) is None


def test_settings_are_checked() -> None:
    settings = ScaleSettings.from_settings({"scalePort": "/dev/ttyS9", "scaleBaud": "4800",
                                            "scaleFrame": "7e1", "scaleFormat": "reversed"})
    assert settings.serial_options() == {"baudrate": 4800, "bytesize": 7, "parity": "E",
                                         "stopbits": 1}
    with pytest.raises(ValidationError, match="Scale format"):
        ScaleSettings.from_settings({"scaleFormat": "acme"})
    with pytest.raises(ValidationError, match="8N1"):
        ScaleSettings.from_settings({"scaleFrame": "9X3"})
    with pytest.raises(ValidationError, match="scaleBaud"):
        ScaleSettings.from_settings({"scaleBaud": "fast"})
    with pytest.raises(ScaleNotConnected, match="No scale port"):
        open_port(ScaleSettings())
    with pytest.raises(ScaleNotConnected, match="cannot be opened"):
        open_port(ScaleSettings(port="/dev/does-not-exist"))


class PlayedScale:
    """A pseudo-terminal: the test writes what a scale would send to the master side."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)

    def send(self, text: str) -> None:
        os.write(self.master, text.encode("ascii"))

    def play(self, frame: str, every: float = 0.02) -> None:
        """Send `frame` continuously, as a scale does (also after a port is opened, which
        discards what was sent before)."""
        self._stop = threading.Event()

        def run() -> None:
            while not self._stop.wait(every):
                self.send(frame)

        self._player = threading.Thread(target=run, daemon=True)
        self._player.start()

    def close(self) -> None:
        if hasattr(self, "_stop"):
            self._stop.set()
            self._player.join()
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def scale() -> PlayedScale:
    played = PlayedScale()
    yield played
    played.close()


def test_monitor_reads_a_stable_weight_from_a_serial_port(scale: PlayedScale) -> None:
    monitor = ScaleMonitor(ScaleSettings(port=scale.port, stable_count=3)).start()
    try:
        scale.send("US,GS,+  0.800kg\r\nUS,GS,+  1.230kg\r\n")
        assert monitor.wait_stable(0.3) is None
        scale.send("ST,GS,+  1.234kg\r\n" * 3)
        assert monitor.wait_stable(5) == Decimal("1.234")
    finally:
        monitor.stop()


def test_monitor_reads_reversed_frames_without_line_ends(scale: PlayedScale) -> None:
    monitor = ScaleMonitor(ScaleSettings(port=scale.port, format="reversed",
                                         stable_count=2)).start()
    try:
        scale.send("=0.0210" * 4)
        assert monitor.wait_stable(5) == Decimal("120.0")
    finally:
        monitor.stop()


def test_a_placement_is_taken_once(scale: PlayedScale) -> None:
    monitor = ScaleMonitor(ScaleSettings(port=scale.port, stable_count=2)).start()
    try:
        scale.send("ST,GS,+  1.210kg\r\n" * 2)
        assert monitor.take(5) == Decimal("1.210")
        assert monitor.take(0.2) is None  # same parcel still on the scale
        scale.send("ST,GS,+  0.000kg\r\n" + "ST,GS,+  1.210kg\r\n" * 2)  # next parcel
        assert monitor.take(5) == Decimal("1.210")
    finally:
        monitor.stop()
