"""Spreadsheets are read in a child process, so a file that exhausts memory or hangs the
reader costs that child, never the GUI or the CLI with the clerk's unsaved work.

The child (`python -c "…child_main()"`) gets its request on stdin, limits its own address
space (`RLIMIT_AS`, where the platform has it; Windows has no such limit, there the size
checks of `sheetscan.py` and the timeout remain), scans the file (`sheetscan.py`), opens it
with calamine and sends back frames: the sheet's facts, then its rows in chunks. The parent
waits at most `reader_timeout_seconds` for each frame. A child that dies (the memory limit,
a crash of the native reader), goes silent or sends something unexpected is killed and its
file refused with a clear message. Frames are JSON (dates tagged), which builds nothing but
plain values, so even a child subverted by a hostile file cannot make the parent run code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from app.domain.errors import UserFacingError, ValidationError
from app.i18n import N_
from app.intake.limits import ReadLimits

CHUNK_ROWS = 2000
_HEADER = struct.Struct("<I")
_MAX_FRAME = 256 * 1024 * 1024

MSG_MEMORY = N_(
    "“{name}” is too large or damaged: reading it needed more than {limit} MB of memory. "
    "It was not imported; nothing was changed."
)
MSG_TIMEOUT = N_(
    "“{name}” is too large or damaged: reading it took longer than {seconds} seconds. "
    "It was not imported; nothing was changed."
)
MSG_CRASHED = N_(
    "“{name}” is too large or damaged: the spreadsheet reader stopped ({detail}). "
    "It was not imported; nothing was changed."
)

_DATES: dict[str, Callable[[str], Any]] = {
    "datetime": dt.datetime.fromisoformat, "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
}


def _encode(value: Any) -> Any:
    """JSON for the cell values calamine returns besides text, numbers and booleans."""
    if isinstance(value, dt.timedelta):
        return {"$": "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return {"$": type(value).__name__, "v": value.isoformat()}
    raise TypeError(type(value).__name__)


def _decode(obj: dict[str, Any]) -> Any:
    if "$" not in obj:
        return obj  # a message's parameters
    kind, value = obj.get("$"), obj.get("v")
    if kind == "timedelta" and isinstance(value, list) and len(value) == 3:
        return dt.timedelta(*(int(v) for v in value))
    if isinstance(kind, str) and kind in _DATES and isinstance(value, str):
        return _DATES[kind](value)
    raise ValueError("unexpected object in a frame")


def _dumps(message: Any) -> bytes:
    return json.dumps(message, ensure_ascii=False, default=_encode).encode()


def _loads(data: bytes) -> Any:
    return json.loads(data, object_hook=_decode)


# --- child side ---------------------------------------------------------------------------

Job = Callable[[Path, dict[str, Any], ReadLimits], Iterator[Any]]


def child_main() -> None:
    """Entry point of the child process: read the request, limit memory, run, send frames."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames on the pipe
    request = json.loads(sys.stdin.buffer.read())
    limits = ReadLimits(**request["limits"])
    _limit_memory(limits.reader_memory_bytes)
    try:
        job = _job(request["job"])
        for message in job(Path(request["path"]), request["args"], limits):
            _send(out, message)
    except UserFacingError as exc:
        _send(out, ["error", exc.message.msgid, _plain_params(exc.message.params)])
    except MemoryError:
        _send(out, ["memory"])
    except BaseException as exc:  # anything else: reported as the reader stopping
        _send(out, ["crash", f"{type(exc).__name__}: {exc}"[:200]])
    out.flush()


def _plain_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, int | float | str) else str(v) for k, v in params.items()}


def _limit_memory(limit: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: no address-space limit; size checks and timeout remain
        return
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):  # a platform that refuses: the timeout still applies
        pass


def _send(out: IO[bytes], message: Any) -> None:
    data = _dumps(message)
    out.write(_HEADER.pack(len(data)))
    out.write(data)
    out.flush()


def _job(name: str) -> Job:
    from app.intake import excel

    jobs: dict[str, Job] = {"sheet": excel.sheet_frames, "names": excel.name_frames}
    return jobs[name]


# --- parent side --------------------------------------------------------------------------

class IsolatedReader:
    """One child reading one file. Iterate `frames()` once; `close()` (also on garbage
    collection of the generator) kills the child if it still runs."""

    def __init__(self, path: Path, job: str, args: dict[str, Any], limits: ReadLimits) -> None:
        self.path = path
        self.limits = limits
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from app.intake.sheetworker import child_main; child_main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))  # no console on Windows
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._frames: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self._reader = threading.Thread(target=self._pump, args=(self.proc.stdout,),
                                        name="sheet-reader", daemon=True)
        self._reader.start()
        try:
            self.proc.stdin.write(_dumps({"job": job, "path": str(path), "args": args,
                                          "limits": dataclasses.asdict(limits)}))
            self.proc.stdin.close()
        except OSError:
            pass  # the child died at once; frames() reports how

    def _pump(self, pipe: IO[bytes]) -> None:
        """Reader thread: raw frames into the queue, None at the end of the stream."""
        try:
            while True:
                head = pipe.read(_HEADER.size)
                if len(head) < _HEADER.size:
                    break
                (size,) = _HEADER.unpack(head)
                if size > _MAX_FRAME:
                    break
                data = pipe.read(size)
                if len(data) < size:
                    break
                self._frames.put(data)
        except (OSError, ValueError):
            pass
        finally:
            self._frames.put(None)

    def frames(self) -> Iterator[Any]:
        """The child's messages until it says it is done. Raises UserFacingError for the
        child's own ValidationErrors and for a child that died, hung or misbehaved."""
        name = self.path.name
        try:
            while True:
                try:
                    data = self._frames.get(timeout=self.limits.reader_timeout_seconds)
                except queue.Empty:
                    raise ValidationError(MSG_TIMEOUT, name=name,
                                          seconds=int(self.limits.reader_timeout_seconds)
                                          ) from None
                if data is None:
                    raise self._death()
                try:
                    message = _loads(data)
                except Exception as exc:
                    raise ValidationError(MSG_CRASHED, name=name,
                                          detail="unexpected data") from exc
                kind = message[0] if isinstance(message, list) and message else None
                if kind == "end":
                    return
                if kind == "error" and message[1] in _known_messages() and isinstance(
                        message[2], dict):
                    raise ValidationError(str(message[1]), **message[2])
                if kind == "error":
                    raise ValidationError(MSG_CRASHED, name=name, detail="unknown message")
                if kind == "memory":
                    raise self._memory_error()
                if kind == "crash":
                    raise ValidationError(MSG_CRASHED, name=name, detail=str(message[1]))
                yield message
        finally:
            self.close()

    def _memory_error(self) -> ValidationError:
        return ValidationError(MSG_MEMORY, name=self.path.name,
                               limit=self.limits.reader_memory_bytes // 2**20)

    def _death(self) -> ValidationError:
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = None
        # A native allocation failure aborts (SIGABRT) or is killed by the kernel (SIGKILL).
        if code is not None and code < 0 and -code in (6, 9):
            return self._memory_error()
        return ValidationError(MSG_CRASHED, name=self.path.name,
                               detail=f"exit code {code}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        # The pipe is at its end now; empty the queue so the reader thread can finish.
        while self._reader.is_alive():
            with contextlib.suppress(queue.Empty):
                self._frames.get(timeout=0.1)


def _known_messages() -> frozenset[str]:
    """The messages a child may send back: the readers' own (a subverted child must not
    choose the text, which is also a format string, the parent shows)."""
    from app.intake import excel, sheetscan, table

    return frozenset(v for m in (excel, sheetscan, table) for k, v in vars(m).items()
                     if k.startswith(("_MSG", "MSG")) and isinstance(v, str))


def run_isolated(path: Path, job: str, args: dict[str, Any], limits: ReadLimits
                 ) -> Iterator[Any]:
    """The frames of `job` run on `path` in a memory-limited child process."""
    return IsolatedReader(path, job, args, limits).frames()
