"""PDF inspection helpers (poppler-utils, zbar-tools) for the printing tests."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest


def _run(*args: str) -> str:
    if shutil.which(args[0]) is None:
        pytest.skip(f"{args[0]} is not installed")
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def pdftotext() -> Callable[[Path], str]:
    return lambda path: _run("pdftotext", "-layout", str(path), "-")


@pytest.fixture
def pdfinfo_pages() -> Callable[[Path], int]:
    def pages(path: Path) -> int:
        for line in _run("pdfinfo", str(path)).splitlines():
            if line.startswith("Pages:"):
                return int(line.split()[1])
        raise AssertionError("no page count")

    return pages


@pytest.fixture
def pdffonts() -> Callable[[Path], list[list[str]]]:
    return lambda path: [line.split() for line in _run("pdffonts", str(path)).splitlines()[2:]]


@pytest.fixture
def scan(tmp_path: Path) -> Callable[..., str]:
    """Render one page and decode every barcode on it with zbarimg ('CODE-128:…' lines)."""

    def decode(pdf: Path, page: int, dpi: int = 200) -> str:
        stem = tmp_path / f"scan-{pdf.stem}-{page}"
        _run("pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", str(page), "-l",
             str(page), str(pdf), str(stem))
        if shutil.which("zbarimg") is None:
            pytest.skip("zbarimg is not installed")
        done = subprocess.run(["zbarimg", "-q", f"{stem}.png"], capture_output=True, text=True)
        return done.stdout

    return decode
