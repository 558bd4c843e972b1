"""Sending thermal-printer bytes: raw TCP (port 9100), a CUPS raw queue, or a file.

Crash-safe hand-over, as for customs messages (app/submission/outbound.py): the bytes are
recorded as a `pending` ThermalJob in the caller's transaction, sent after that commits, and
only then marked `sent`. A job left pending by a crash or an unreachable printer is sent by
`deliver_pending_jobs` (the reconciler, run when the station opens). A job whose printer
cannot be reached stays pending and the clerk is told; nothing is lost.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import ThermalJob
from app.db.types import utcnow
from app.domain.errors import UserFacingError, ValidationError
from app.security.audit import record_event
from app.security.context import Actor, Permission, require
from app.station.profiles import ThermalProfile

PENDING, SENT = "pending", "sent"
EXTENSIONS = {"zpl": ".zpl", "tspl": ".prn"}


class PrinterUnreachable(UserFacingError):
    """The printer did not take the bytes; the job stays pending."""


@dataclass(frozen=True)
class SendResult:
    job_id: int
    sent: bool
    error: str = ""


def send_raw(target: str, data: bytes, *, name: str = "label", extension: str = ".prn",
             timeout: float = 5.0) -> None:
    """Hand `data` to `target`; raises PrinterUnreachable with the reason.

    `tcp://host[:port]` (port 9100 by default); `cups:QUEUE` (lp -o raw); `file:PATH`: into
    a folder as `<name><extension>` (temp file, fsync, rename), or straight to a device file
    such as /dev/usb/lp0.
    """
    try:
        if target.startswith("tcp://"):
            parts = urlsplit(target)
            with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 9100),
                                          timeout=timeout) as conn:
                conn.sendall(data)
                conn.shutdown(socket.SHUT_WR)
        elif target.startswith("cups:"):
            subprocess.run(["lp", "-d", target[5:], "-o", "raw"], input=data, check=True,
                           capture_output=True, timeout=timeout)
        elif target.startswith("file:"):
            _write_file(Path(target[5:]), data, name + extension)
        else:
            raise ValidationError("No printer output is set for this profile (target)")
    except subprocess.CalledProcessError as exc:  # lp said why (unknown queue, no cupsd)
        reason = (exc.stderr or b"").decode("utf-8", "replace").strip() or str(exc)
        raise PrinterUnreachable("The printer {target} did not take the label: {reason}",
                                 target=target, reason=reason) from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise PrinterUnreachable("The printer {target} did not take the label: {reason}",
                                 target=target, reason=str(exc) or type(exc).__name__
                                 ) from None


def _write_file(path: Path, data: bytes, name: str) -> None:
    if path.is_dir():
        fd, tmp = tempfile.mkstemp(prefix=".label-", dir=path)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return
    with path.open("ab") as fh:  # a printer device (or a spool file the driver reads)
        fh.write(data)


def record_job(session: Session, actor: Actor, profile: ThermalProfile, payload: bytes, *,
               kind: str, declaration_id: int | None = None, bag_id: int | None = None
               ) -> int:
    """Store the bytes as a pending job (caller commits, then calls `deliver_job`)."""
    require(actor, Permission.PRINT)
    if not profile.target:
        raise ValidationError("Printer profile {name} has no output (target) set",
                              name=profile.name)
    job = ThermalJob(kind=kind, declaration_id=declaration_id, bag_id=bag_id,
                     profile=profile.name, target=profile.target, payload=payload,
                     state=PENDING, created_by=actor.name)
    session.add(job)
    session.flush()
    return job.id


def deliver_job(sessions: sessionmaker[Session], actor: Actor, job_id: int) -> SendResult:
    """Send one pending job and mark it sent, in its own transaction (committed after the
    printer took the bytes). An unreachable printer leaves it pending with the reason."""
    require(actor, Permission.PRINT)
    with sessions() as session, session.begin():
        claimed = session.execute(
            update(ThermalJob).where(ThermalJob.id == job_id, ThermalJob.state == PENDING)
            .values(state=PENDING).execution_options(synchronize_session=False))
        if not claimed.rowcount:  # type: ignore[attr-defined]
            return SendResult(job_id, True)  # another process sent it
        job = session.get(ThermalJob, job_id)
        assert job is not None
        language = "zpl" if job.payload.startswith(b"^XA") else "tspl"
        try:
            send_raw(job.target, job.payload, name=f"{job.kind}-{job.id:08d}",
                     extension=EXTENSIONS[language])
        except PrinterUnreachable as exc:
            job.error = str(exc)[:1000]
            return SendResult(job_id, False, str(exc))
        job.state = SENT
        job.sent_at = utcnow()
        job.error = None
        record_event(session, actor, "print.thermal", entity="thermal_job", entity_id=job.id,
                     declaration_id=job.declaration_id,
                     details={"kind": job.kind, "profile": job.profile, "target": job.target,
                              "bytes": len(job.payload)})
    return SendResult(job_id, True)


def deliver_pending_jobs(sessions: sessionmaker[Session], actor: Actor) -> list[SendResult]:
    """Send every pending job, oldest first (the start-up reconciler)."""
    require(actor, Permission.PRINT)
    with sessions() as session:
        ids = list(session.scalars(select(ThermalJob.id).where(ThermalJob.state == PENDING)
                                   .order_by(ThermalJob.id)))
    return [deliver_job(sessions, actor, i) for i in ids]
