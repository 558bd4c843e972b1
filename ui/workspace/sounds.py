"""Distinct short sounds for scan outcomes, synthesised once into WAV files (no assets)."""

from __future__ import annotations

import math
import struct
import tempfile
import wave
from pathlib import Path

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWidgets import QApplication

RATE = 22050
# outcome → [(frequency Hz, milliseconds)], 0 Hz = silence
PATTERNS: dict[str, list[tuple[int, int]]] = {
    "ok": [(1320, 90)],
    "duplicate": [(880, 80), (0, 60), (880, 80)],
    "problem": [(330, 220), (0, 70), (330, 220)],
    "unknown": [(660, 140), (440, 140), (294, 220)],
}


def write_tone(path: Path, pattern: list[tuple[int, int]]) -> None:
    frames = bytearray()
    for freq, ms in pattern:
        n = RATE * ms // 1000
        for i in range(n):
            fade = min(1.0, i / 200, (n - i) / 200)
            value = math.sin(2 * math.pi * freq * i / RATE) * 0.5 * fade if freq else 0.0
            frames += struct.pack("<h", int(value * 32767))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))


class ScanSounds(QObject):
    """`play(outcome)`; falls back to the system beep where Qt Multimedia is unavailable."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._effects: dict[str, object] = {}
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def _load(self) -> None:
        try:
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError:
            return
        self._dir = tempfile.TemporaryDirectory(prefix="cleardesk-sounds-")
        for outcome, pattern in PATTERNS.items():
            path = Path(self._dir.name) / f"{outcome}.wav"
            write_tone(path, pattern)
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(path)))
            effect.setVolume(0.8)
            self._effects[outcome] = effect

    def play(self, outcome: str) -> None:
        if not self._effects:
            self._load()
        effect = self._effects.get(outcome)
        if effect is None:
            QApplication.beep()
            return
        effect.play()  # type: ignore[attr-defined]
