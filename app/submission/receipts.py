"""Safe parsing of customs receipts: CEB622 (import), CEB604 (export), CEB900 (format check),
CEB624 (cancellation), CEB626 (return), CEB512 (waybill), the tax bills customs issues
(CEB816 electronic tax bill, CEB818 its status), and the export chain's answers (CEB506
waybill, CEB508 arrival, CEB608 master-bill list, CEB510 departure, CEB216 return tally).

Receipts come from outside, so the parser refuses anything but plain XML: a DOCTYPE, entity
declaration or external reference is rejected outright (defusedxml), which also rules out
entity-expansion ("billion laughs") payloads. Parsing is namespace-aware by namespace URI, never
by prefix: the official samples use both `ceb:` and a default namespace.
"""

from __future__ import annotations

import codecs
import hashlib
import re
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

# Encodings a receipt may declare. The parser (expat) reads UTF-8 itself; everything else is
# decoded here with Python's codecs and handed over as UTF-8 (expat refuses multi-byte
# encodings). GB2312 and GBK files often hold characters of the larger sets, so the GB family
# is read as GB18030 (a superset) and Big5 as Windows' cp950; customs clients in mainland China
# write GBK, in Taiwan and Hong Kong Big5. Any other declared encoding is refused.
_PASS_THROUGH = frozenset({"utf-8", "ascii"})
_DECODE_AS = {
    "gbk": "gb18030", "gb2312": "gb18030", "gb18030": "gb18030",
    "big5": "cp950", "cp950": "cp950", "big5hkscs": "big5hkscs",
    "iso8859-1": "iso8859-1", "utf-16": "utf-16", "utf-16-le": "utf-16-le",
    "utf-16-be": "utf-16-be",
}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_DECL_BYTES = re.compile(rb"""<\?xml\b[^>]*?\bencoding\s*=\s*(["'])([^"'>]*)\1""")
_DECL_TEXT = re.compile(r"""(<\?xml\b[^>]*?\bencoding\s*=\s*)(["'])[^"'>]*\2""")

KINDS = {"CEB622Message": "CEB622", "CEB604Message": "CEB604", "CEB900Message": "CEB900",
         "CEB624Message": "CEB624", "CEB626Message": "CEB626", "CEB512Message": "CEB512",
         "CEB816Message": "CEB816", "CEB818Message": "CEB818", "CEB514Message": "CEB514",
         "CEB506Message": "CEB506", "CEB508Message": "CEB508", "CEB608Message": "CEB608",
         "CEB510Message": "CEB510", "CEB702Message": "CEB702", "CEB792Message": "CEB792",
         "CEB606Message": "CEB606", "CEB214Message": "CEB214", "CEB216Message": "CEB216"}
_RETURN_NODE = {"CEB622": "InventoryReturn", "CEB604": "InventoryReturn", "CEB900": "MessageReturn",
                "CEB624": "InvtCancelReturn", "CEB626": "InvtRefundReturn",
                "CEB512": "LogisticsReturn", "CEB816": "Tax", "CEB818": "Tax",
                "CEB514": "LogisticsStatusReturn", "CEB506": "LogisticsReturn",
                "CEB508": "ArrivalReturn", "CEB608": "WayBillReturn", "CEB510": "DepartureReturn",
                "CEB702": "SummaryReturn", "CEB792": "SummaryResult",
                "CEB606": "InvtCancelReturn", "CEB214": "RefundReturn",
                "CEB216": "InvtRefundDetailReturn"}
# Returns about a waybill (matched by its number) and about an export batch document (matched
# by copNo and msgSeqNo).
WAYBILL_KINDS = frozenset({"CEB512", "CEB514", "CEB506"})
DOCUMENT_KINDS = frozenset({"CEB508", "CEB608", "CEB510"})
SUMMARY_KINDS = frozenset({"CEB702", "CEB792"})  # monthly summary: receipt and result
TALLY_KINDS = frozenset({"CEB216"})  # return tally (CEB215), matched by its coElNo
TAX_KINDS = frozenset({"CEB816", "CEB818"})
_TAX_HEAD = {"CEB816": "TaxHeadRd", "CEB818": "TaxHeadStatus"}
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
    "logisticsCode",
    "logisticsNo",
    "msgSeqNo",
    "billNo",
    "sumNo",
)


class ReceiptParseError(UserFacingError):
    """A receipt file that cannot be read safely; `reason` is a short stable code."""

    def __init__(self, msgid: str, *, code: str, **params: Any) -> None:
        self.reason = code
        super().__init__(msgid, **params)


@dataclass(frozen=True)
class TaxFigures:
    """What a CEB816 / CEB818 says beyond the common return fields (amounts as text)."""

    taxNo: str
    customsTax: str = ""
    valueAddedTax: str = ""
    consumptionTax: str = ""
    taxPrice: str = ""  # Σ TaxListRd taxPrice: the dutiable value customs used
    entDutyNo: str = ""
    assureCode: str = ""


@dataclass(frozen=True)
class SummaryFigures:
    """What a CEB792 summary result says beyond sumNo / decState / opDate."""

    declSeqNo: str
    entryId: str = ""
    grossWeight: str = ""
    inventories: int = 0


@dataclass(frozen=True)
class ReceiptReturn:
    """One return (status report) inside a receipt file. Field names are the CEB names."""

    kind: str  # CEB622 / CEB604 / CEB900 / CEB624 / CEB626
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
    logisticsCode: str = ""  # CEB512: waybills are named by carrier and waybill number
    logisticsNo: str = ""
    msgSeqNo: str = ""  # CEB508/608/510/702: the part of a split document
    billNo: str = ""
    sumNo: str = ""  # CEB702: customs' summary application number
    ori_cop_nos: tuple[str, ...] = field(default=())  # CEB900: copNos in the echoed message
    tax: TaxFigures | None = None  # CEB816 / CEB818 (returnStatus holds the bill status)
    summary: SummaryFigures | None = None  # CEB792 (returnStatus holds decState)

    @property
    def status_code(self) -> int | None:
        try:
            return int(self.returnStatus.strip())
        except ValueError:
            return None

    @property
    def content_key(self) -> str:
        """Identity of this return regardless of file: the same report twice is one report."""
        parts: tuple[str, ...] = (self.kind, self.guid, self.copNo, self.returnStatus,
                                  self.returnTime, self.returnInfo)
        if self.kind in WAYBILL_KINDS or self.kind in TALLY_KINDS:
            parts += (self.logisticsNo,)
        if self.kind in DOCUMENT_KINDS:
            parts += (self.msgSeqNo,)
        if self.tax is not None:
            parts += (self.tax.taxNo,)
        if self.kind in SUMMARY_KINDS:
            parts += (self.sumNo, self.msgSeqNo)
        raw = "\x1f".join(parts)
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


def declared_encoding(data: bytes) -> str | None:
    """The encoding a file names: its byte-order mark, else its XML declaration, else None
    (UTF-8 by the XML rules)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    match = _DECL_BYTES.match(data, 0, 200)
    return match.group(2).decode("ascii", "replace").strip() if match else None


def to_utf8(data: bytes) -> bytes:
    """The receipt as UTF-8 with a matching XML declaration, ready for the parser.

    Raises ReceiptParseError (`encoding`) for an encoding that is unknown or not accepted,
    and (`bad_bytes`) when the bytes are not valid in the declared encoding.
    """
    declared = declared_encoding(data)
    if declared is None:
        return data
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        name = ""
    if name in _PASS_THROUGH and not data.startswith(codecs.BOM_UTF8):
        return data
    codec = "utf-8-sig" if name == "utf-8" else _DECODE_AS.get(name)
    if codec is None:
        raise ReceiptParseError(
            N_("The file is written in the encoding {encoding}, which receipts do not use "
               "(accepted: UTF-8, GBK/GB2312/GB18030, Big5)."),
            code="encoding", encoding=declared[:40])
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise ReceiptParseError(
            N_("The file says it is written in {encoding}, but byte {position} is not valid "
               "{encoding} (damaged or incompletely written file)."),
            code="bad_bytes", encoding=declared[:40], position=exc.start) from exc
    return declare_utf8(text.removeprefix("\ufeff")).encode("utf-8")


def declare_utf8(text: str) -> str:
    """`text` with the encoding in its XML declaration (if any) changed to UTF-8."""
    return _DECL_TEXT.sub(r"\1\2UTF-8\2", text, count=1) if text.startswith("<?xml") else text


def _safe_fromstring(data: bytes) -> ET.Element:
    data = to_utf8(data)
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
    except (ValueError, LookupError) as exc:  # an encoding the parser cannot read
        raise ReceiptParseError(
            N_("The file cannot be read in its declared encoding: {error}"), code="encoding",
            error=str(exc)) from exc


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def too_large(limit: int) -> ReceiptParseError:
    return ReceiptParseError(N_("The file is larger than {mb} MB."), code="too_large",
                             mb=max(1, limit // (1024 * 1024)))


def parse_receipt(data: bytes, *, max_bytes: int = MAX_RECEIPT_BYTES) -> ReceiptFile:
    """Parse one receipt file. Raises ReceiptParseError with a reason code when refused."""
    if len(data) > max_bytes:
        raise too_large(max_bytes)
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
    if kind in TAX_KINDS:
        returns = tuple(_read_tax(kind, ns, n) for n in nodes)
    elif kind == "CEB792":
        returns = tuple(_read_summary_result(ns, n) for n in nodes)
    else:
        returns = tuple(_read_return(kind, ns, n) for n in nodes)
    return ReceiptFile(kind, root.get("guid", ""), returns)


def _read_return(kind: str, ns: str, node: ET.Element) -> ReceiptReturn:
    values: dict[str, str] = {}
    ori_biz = ""
    for child in node:
        cns, cname = _local(child.tag)
        if cns != ns:
            continue
        if cname in _FIELDS or cname == "coElNo":
            values[cname] = (child.text or "").strip()
        elif cname == "oriBizMessage":
            ori_biz = child.text or ""
    if kind in ("CEB214", "CEB216") and not values.get("copNo"):
        values["copNo"] = values.get("coElNo", "")  # an export return names our copNo so
    if not values.get("returnStatus"):
        raise ReceiptParseError(
            N_("A return has no {field}."), code="missing_field", field="returnStatus"
        )
    if kind in WAYBILL_KINDS:
        if not values.get("logisticsNo"):
            raise ReceiptParseError(N_("A return has no {field}."), code="missing_field",
                                    field="logisticsNo")
    elif kind != "CEB900" and not values.get("copNo"):
        raise ReceiptParseError(N_("A return has no {field}."), code="missing_field", field="copNo")
    ori = _cop_nos_in(ori_biz) if kind == "CEB900" else ()
    fields: dict[str, Any] = {k: values.get(k, "") for k in _FIELDS}
    return ReceiptReturn(kind=kind, ori_cop_nos=ori, **fields)


def _read_tax(kind: str, ns: str, node: ET.Element) -> ReceiptReturn:
    head = next((c for c in node if _local(c.tag) == (ns, _TAX_HEAD[kind])), None)
    if head is None:
        raise ReceiptParseError(N_("The receipt contains no {node}."), code="empty",
                                node=_TAX_HEAD[kind])
    values = {_local(c.tag)[1]: (c.text or "").strip() for c in head if _local(c.tag)[0] == ns}
    for name in ("taxNo", "invtNo", "status", "returnTime"):
        if not values.get(name):
            raise ReceiptParseError(N_("A return has no {field}."), code="missing_field",
                                    field=name)
    prices: list[str] = []
    for line in node:
        if _local(line.tag) == (ns, "TaxListRd"):
            prices.extend((c.text or "").strip() for c in line
                          if _local(c.tag) == (ns, "taxPrice"))
    figures = TaxFigures(
        values["taxNo"], customsTax=values.get("customsTax", ""),
        valueAddedTax=values.get("valueAddedTax", ""),
        consumptionTax=values.get("consumptionTax", ""), taxPrice=_sum_text(prices),
        entDutyNo=values.get("entDutyNo", ""), assureCode=values.get("assureCode", ""))
    return ReceiptReturn(kind=kind, guid=values.get("guid", ""), invtNo=values["invtNo"],
                         returnStatus=values["status"], returnTime=values["returnTime"],
                         returnInfo=values.get("note", ""), tax=figures)


def _read_summary_result(ns: str, node: ET.Element) -> ReceiptReturn:
    head = next((c for c in node if _local(c.tag) == (ns, "SummaryResultHead")), None)
    if head is None:
        raise ReceiptParseError(N_("The receipt contains no {node}."), code="empty",
                                node="SummaryResultHead")
    values = {_local(c.tag)[1]: (c.text or "").strip() for c in head if _local(c.tag)[0] == ns}
    for name in ("sumNo", "decState", "opDate"):
        if not values.get(name):
            raise ReceiptParseError(N_("A return has no {field}."), code="missing_field",
                                    field=name)
    lines = {(c.findtext(f"{{{ns}}}invtNo") if ns else c.findtext("invtNo")) or ""
             for c in node if _local(c.tag) == (ns, "SummaryResultList")}
    figures = SummaryFigures(values.get("declSeqNo", ""), values.get("entryId", ""),
                             values.get("grossWeight", ""), len(lines))
    return ReceiptReturn(kind="CEB792", guid=values.get("guid", ""), sumNo=values["sumNo"],
                         returnStatus=values["decState"], returnTime=values["opDate"],
                         returnInfo=values.get("note", ""), msgSeqNo=values.get("msgSeqNo", ""),
                         customsCode=values.get("customsCode", ""),
                         agentCode=values.get("agentCode", ""),
                         ebcCode=values.get("ebcCode", ""), summary=figures)


def _sum_text(numbers: list[str]) -> str:
    from decimal import Decimal, InvalidOperation

    try:
        return str(sum((Decimal(n) for n in numbers if n), Decimal(0))) if numbers else ""
    except InvalidOperation:
        return ""


def _cop_nos_in(echoed: str) -> tuple[str, ...]:
    """copNos of the inventories echoed in a CEB900's oriBizMessage (best effort)."""
    text = echoed.strip()
    if not text.startswith("<"):
        return ()
    try:
        root = _safe_fromstring(declare_utf8(text).encode("utf-8"))
    except ReceiptParseError:
        return ()
    return tuple(
        (el.text or "").strip()
        for el in root.iter()
        if _local(el.tag)[1] == "copNo" and (el.text or "").strip()
    )
