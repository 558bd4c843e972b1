"""Safe parsing of customs receipts: CEB622 (import), CEB604 (export), CEB900 (format check).

Receipts come from outside, so the parser refuses anything but plain XML: a DOCTYPE, entity
declaration or external reference is rejected outright (defusedxml), which also rules out
entity-expansion ("billion laughs") payloads. Parsing is namespace-aware by namespace URI, never
by prefix: the official samples use both `ceb:` and a default namespace.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from app.domain.errors import UserFacingError
from app.i18n import N_
from app.submission.xsd import CEB_NS

MAX_RETURNS_PER_FILE = 100
MAX_RECEIPT_BYTES = 20 * 1024 * 1024

KINDS = {"CEB622Message": "CEB622", "CEB604Message": "CEB604", "CEB900Message": "CEB900"}
_RETURN_NODE = {"CEB622": "InventoryReturn", "CEB604": "InventoryReturn", "CEB900": "MessageReturn"}
_FIELDS = (
    "guid",
    "customsCode",
    "ebpCode",
    "ebcCode",
    "agentCode",
    "copNo",
    "preNo",
    "invtNo",
    "orderNo",
    "statisticsFlag",
    "returnStatus",
    "returnTime",
    "returnInfo",
    "oriCopMsgId",
    "oriMessageType",
)


class ReceiptParseError(UserFacingError):
    """A receipt file that cannot be read safely; `reason` is a short stable code."""

    def __init__(self, msgid: str, *, code: str, **params: Any) -> None:
        self.reason = code
        super().__init__(msgid, **params)


@dataclass(frozen=True)
class ReceiptReturn:
    """One return (status report) inside a receipt file. Field names are the CEB names."""

    kind: str  # CEB622 / CEB604 / CEB900
    guid: str
    copNo: str = ""
    preNo: str = ""
    invtNo: str = ""
    returnStatus: str = ""
    returnTime: str = ""
    returnInfo: str = ""
    customsCode: str = ""
    agentCode: str = ""
    ebpCode: str = ""
    ebcCode: str = ""
    orderNo: str = ""
    statisticsFlag: str = ""
    oriCopMsgId: str = ""
    oriMessageType: str = ""
    ori_cop_nos: tuple[str, ...] = field(default=())  # CEB900: copNos in the echoed message

    @property
    def status_code(self) -> int | None:
        try:
            return int(self.returnStatus.strip())
        except ValueError:
            return None

    @property
    def content_key(self) -> str:
        """Identity of this return regardless of file: the same report twice is one report."""
        raw = "\x1f".join(
            (self.kind, self.guid, self.copNo, self.returnStatus, self.returnTime, self.returnInfo)
        )
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    def sort_key(self) -> tuple[str, int]:
        return (self.returnTime, self.status_code or 0)


@dataclass(frozen=True)
class ReceiptFile:
    kind: str
    guid: str
    returns: tuple[ReceiptReturn, ...]


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe_fromstring(data: bytes) -> ET.Element:
    try:
        return SafeET.fromstring(  # type: ignore[no-any-return]
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DTDForbidden as exc:
        raise ReceiptParseError(
            N_("Refused: the file declares a DOCTYPE/DTD, which receipts never do."), code="dtd"
        ) from exc
    except EntitiesForbidden as exc:
        raise ReceiptParseError(
            N_("Refused: the file declares XML entities (possible entity-expansion attack)."),
            code="entity",
        ) from exc
    except ExternalReferenceForbidden as exc:
        raise ReceiptParseError(
            N_("Refused: the file refers to an external resource."), code="external"
        ) from exc
    except ET.ParseError as exc:
        raise ReceiptParseError(
            N_("Not well-formed XML: {error}"), code="malformed", error=str(exc)
        ) from exc


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def parse_receipt(data: bytes) -> ReceiptFile:
    """Parse one receipt file. Raises ReceiptParseError with a reason code when refused."""
    if len(data) > MAX_RECEIPT_BYTES:
        raise ReceiptParseError(
            N_("The file is larger than {mb} MB."),
            code="too_large",
            mb=MAX_RECEIPT_BYTES // (1024 * 1024),
        )
    root = _safe_fromstring(data)
    ns, name = _local(root.tag)
    kind = KINDS.get(name)
    if kind is None or ns not in (CEB_NS, ""):
        raise ReceiptParseError(
            N_("Not a CEB622/CEB604/CEB900 receipt: {root}"), code="unknown_type", root=name
        )
    node_name = _RETURN_NODE[kind]
    nodes = [c for c in root if _local(c.tag) == (ns, node_name)]
    if not nodes:
        raise ReceiptParseError(N_("The receipt contains no {node}."), code="empty", node=node_name)
    if len(nodes) > MAX_RETURNS_PER_FILE:
        raise ReceiptParseError(
            N_("The receipt holds {count} returns; at most {limit} are allowed."),
            code="too_many",
            count=len(nodes),
            limit=MAX_RETURNS_PER_FILE,
        )
    returns = tuple(_read_return(kind, ns, n) for n in nodes)
    return ReceiptFile(kind, root.get("guid", ""), returns)


def _read_return(kind: str, ns: str, node: ET.Element) -> ReceiptReturn:
    values: dict[str, str] = {}
    ori_biz = ""
    for child in node:
        cns, cname = _local(child.tag)
        if cns != ns:
            continue
        if cname in _FIELDS:
            values[cname] = (child.text or "").strip()
        elif cname == "oriBizMessage":
            ori_biz = child.text or ""
    if not values.get("returnStatus"):
        raise ReceiptParseError(
            N_("A return has no {field}."), code="missing_field", field="returnStatus"
        )
    if kind != "CEB900" and not values.get("copNo"):
        raise ReceiptParseError(N_("A return has no {field}."), code="missing_field", field="copNo")
    ori = _cop_nos_in(ori_biz) if kind == "CEB900" else ()
    return ReceiptReturn(kind=kind, ori_cop_nos=ori, **{k: values.get(k, "") for k in _FIELDS})


def _cop_nos_in(echoed: str) -> tuple[str, ...]:
    """copNos of the inventories echoed in a CEB900's oriBizMessage (best effort)."""
    text = echoed.strip()
    if not text.startswith("<"):
        return ()
    try:
        root = _safe_fromstring(text.encode("utf-8"))
    except ReceiptParseError:
        return ()
    return tuple(
        (el.text or "").strip()
        for el in root.iter()
        if _local(el.tag)[1] == "copNo" and (el.text or "").strip()
    )
