"""The transfer file: a ZIP holding one JSON member per carried table, the sender's audit
events, and manifest.json listing each member's SHA-256 with the sender's site code, schema
revision and counts. Read back only when every member is listed and matches its hash."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.domain.errors import ValidationError

FORMAT = "cleardesk-transfer"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
AUDIT_MEMBER = "audit/events.json"
SUFFIX = ".cdtransfer"
# A member larger than this is not a ClearDesk transfer (or is a ZIP bomb).
MAX_MEMBER_BYTES = 1 << 30


class TransferFileError(ValidationError):
    """The file is not an intact transfer file (changed, truncated, or another format)."""


def table_member(name: str) -> str:
    return f"tables/{name}.json"


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Pack:
    """A read (and checked) transfer file."""

    manifest: dict[str, Any]
    manifest_sha256: str  # the manifest's own hash: both sites' audit events name it
    tables: dict[str, list[dict[str, Any]]]
    audit_events: list[dict[str, Any]]

    @property
    def site(self) -> str:
        return str(self.manifest.get("site") or "")

    @property
    def schema_revision(self) -> str:
        return str(self.manifest.get("schemaRevision") or "")


def write_pack(path: Path, manifest: dict[str, Any], tables: dict[str, list[dict[str, Any]]],
               audit_events: list[dict[str, Any]]) -> str:
    """Write the ZIP to `path` (the caller gives a temp path and renames it); returns the
    manifest's SHA-256."""
    members = {table_member(name): _dumps(rows) for name, rows in tables.items()}
    members[AUDIT_MEMBER] = _dumps(audit_events)
    full = {**manifest, "format": FORMAT, "formatVersion": FORMAT_VERSION,
            "members": {name: sha256(data) for name, data in members.items()}}
    manifest_bytes = json.dumps(full, ensure_ascii=False, indent=1, sort_keys=True).encode()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MANIFEST, manifest_bytes)
        for name, data in members.items():
            zf.writestr(name, data)
    return sha256(manifest_bytes)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_MEMBER_BYTES:
        raise TransferFileError("{file} in the transfer file is too large ({size} bytes).",
                                file=info.filename, size=info.file_size)
    return zf.read(info)


def read_pack(path: Path) -> Pack:
    """Open and check a transfer file. Raises TransferFileError naming what is wrong: not a
    transfer file, a member missing, added or changed since the sender wrote it."""
    name = str(path)
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise TransferFileError("The transfer file {file} does not exist.", file=name) from exc
    except (zipfile.BadZipFile, OSError) as exc:
        raise TransferFileError("{file} is not a ClearDesk transfer file (not a ZIP archive).",
                                file=name) from exc
    with zf:
        infos = {i.filename: i for i in zf.infolist()}
        if MANIFEST not in infos:
            raise TransferFileError("{file} is not a ClearDesk transfer file (no manifest).",
                                    file=name)
        try:
            manifest_bytes = _read_member(zf, infos[MANIFEST])
            manifest = json.loads(manifest_bytes)
            listed: dict[str, str] = dict(manifest["members"])
        except (ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            raise TransferFileError("The manifest of {file} is damaged.", file=name) from exc
        if manifest.get("format") != FORMAT:
            raise TransferFileError("{file} is not a ClearDesk transfer file.", file=name)
        if manifest.get("formatVersion") != FORMAT_VERSION:
            raise TransferFileError(
                "{file} was written by another version of ClearDesk (transfer format {v}); "
                "update both computers to the same version.", file=name,
                v=manifest.get("formatVersion"))
        extra = sorted(set(infos) - set(listed) - {MANIFEST})
        if extra:
            raise TransferFileError(
                "{file} was changed after it was exported: {member} is not in its manifest.",
                file=name, member=extra[0])
        data: dict[str, bytes] = {}
        for member, digest in sorted(listed.items()):
            if member not in infos:
                raise TransferFileError(
                    "{file} is incomplete: {member} is missing.", file=name, member=member)
            try:
                content = _read_member(zf, infos[member])
            except (zipfile.BadZipFile, OSError) as exc:  # CRC error: a damaged stick
                raise TransferFileError("{file} is damaged: {member} cannot be read.",
                                        file=name, member=member) from exc
            if sha256(content) != digest:
                raise TransferFileError(
                    "{file} was changed after it was exported: the SHA-256 of {member} does "
                    "not match its manifest. Nothing was imported.", file=name, member=member)
            data[member] = content
    try:
        tables = {m[len("tables/"):-len(".json")]: json.loads(content)
                  for m, content in data.items() if m.startswith("tables/")}
        events = json.loads(data.get(AUDIT_MEMBER, b"[]"))
    except ValueError as exc:
        raise TransferFileError("{file} is damaged: a member is not valid JSON.",
                                file=name) from exc
    return Pack(manifest, sha256(manifest_bytes), tables, events)
