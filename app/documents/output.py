"""Writing PDFs safely: a temporary file in the target folder, renamed into place.

A crash or a cancelled job never leaves a half-written PDF under the name the clerk chose.
Labels and manifests carry names, addresses and phones: the file is owner-only (0600).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from app.documents.fonts import register_cjk_font
from app.security.files import create_private_output

PDF_CREATOR = "ClearDesk"


@contextlib.contextmanager
def atomic_canvas(
    target: str | os.PathLike[str],
    pagesize: tuple[float, float],
    title: str,
    invariant: bool = False,
) -> Iterator[Canvas]:
    """A canvas writing to a temp file next to `target`; saved and renamed on success.

    `invariant` makes the bytes reproducible (fixed dates and document id) for golden tests.
    On any exception the temp file is removed and `target` is left untouched.
    """
    font = register_cjk_font()
    path = Path(target)
    temp_name = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
    create_private_output(Path(temp_name))  # reportlab truncates it and keeps the mode
    try:
        canvas = Canvas(
            temp_name,
            pagesize=pagesize,
            invariant=1 if invariant else 0,
            pageCompression=1,
            initialFontName=font,  # no stray Helvetica resource in the PDF
        )
        canvas.setTitle(title)
        canvas.setCreator(PDF_CREATOR)
        canvas.setProducer(PDF_CREATOR)
        yield canvas
        canvas.save()
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
