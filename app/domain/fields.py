"""The one place that maps CEB element names to database columns and describes each field.

Field keys everywhere (CLI JSON, import mappings, rule messages, exports) are the CEB element
names of the CEB621/CEB603 messages (`orderNo`, `buyerIdNumber`, `gcode` …). The ORM models
use the same names as attributes and the snake_case `column` as the column name. Lengths and
kinds come from the 202205 XSDs (see shared/docs/domain.md §1.3–1.5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["str", "dec", "int", "date8", "time14"]
Scope = Literal["head", "item"]


@dataclass(frozen=True)
class FieldSpec:
    name: str  # CEB element name, the key used everywhere
    label_zh: str
    label_en: str
    kind: Kind = "str"
    max_len: int | None = None  # C..n
    length: int | None = None  # Cn (exact)
    required_i: bool = False  # minOccurs ≥ 1 in CEB621 (import)
    required_e: bool = False  # minOccurs ≥ 1 in CEB603 (export)
    in_i: bool = True  # element of CEB621
    in_e: bool = True  # element of CEB603
    scope: Scope = "head"

    @property
    def column(self) -> str:
        return camel_to_snake(self.name)

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh_CN" else self.label_en


# Head fields whose meaning differs in an export declaration (CEB603): (zh, en) labels.
EXPORT_HEAD_LABELS: dict[str, tuple[str, str]] = {
    "country": ("运抵国(地区)", "Destination country"),
}


def head_label(spec: FieldSpec, lang: str, export: bool) -> str:
    """The label of a head field in an import or an export declaration."""
    if export and spec.name in EXPORT_HEAD_LABELS:
        zh, en = EXPORT_HEAD_LABELS[spec.name]
        return zh if lang == "zh_CN" else en
    return spec.label(lang)


def camel_to_snake(name: str) -> str:
    if name == "POD":
        return "pod"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _h(name: str, zh: str, en: str, kind: Kind = "str", *, max_len: int | None = None,
       length: int | None = None, ri: bool = False, re_: bool = False, i: bool = True,
       e: bool = True) -> FieldSpec:
    return FieldSpec(name, zh, en, kind, max_len, length, ri, re_, i, e, "head")


def _i(name: str, zh: str, en: str, kind: Kind = "str", *, max_len: int | None = None,
       length: int | None = None, ri: bool = False, re_: bool = False, i: bool = True,
       e: bool = True) -> FieldSpec:
    return FieldSpec(name, zh, en, kind, max_len, length, ri, re_, i, e, "item")


# InventoryHead in CEB621 order, then the CEB603-only fields, then order/payment/waybill
# data kept for the three-document match and for labels (not sent in CEB621/603).
HEAD_FIELDS: tuple[FieldSpec, ...] = (
    _h("guid", "系统唯一序号", "GUID", length=36, ri=True, re_=True),
    _h("appType", "报送类型", "Application type", length=1, ri=True, re_=True),
    _h("appTime", "报送时间", "Application time", "time14", length=14, ri=True, re_=True),
    _h("appStatus", "业务状态", "Business status", max_len=3, ri=True, re_=True),
    _h("orderNo", "订单编号", "Order No.", max_len=60, ri=True, re_=True),
    _h("ebpCode", "电商平台代码", "Platform code", max_len=18, ri=True, re_=True),
    _h("ebpName", "电商平台名称", "Platform name", max_len=100, ri=True, re_=True),
    _h("ebcCode", "电商企业代码", "E-commerce company code", max_len=18, ri=True, re_=True),
    _h("ebcName", "电商企业名称", "E-commerce company name", max_len=100, ri=True, re_=True),
    _h("logisticsNo", "物流运单编号", "Waybill No.", max_len=60, ri=True, re_=True),
    _h("logisticsCode", "物流企业代码", "Logistics company code", max_len=18, ri=True, re_=True),
    _h("logisticsName", "物流企业名称", "Logistics company name", max_len=100, ri=True,
       re_=True),
    _h("copNo", "企业内部编号", "Internal No.", max_len=20, re_=True),
    _h("preNo", "预录入编号", "Pre-entry No.", length=18),
    _h("assureCode", "担保企业编号", "Guarantor code", max_len=30, ri=True, e=False),
    _h("emsNo", "账册编号", "Account book No.", max_len=30),
    _h("invtNo", "清单编号", "Inventory No.", max_len=20),
    _h("ieFlag", "进出口标记", "Import/export flag", length=1, ri=True, re_=True),
    _h("declTime", "申报日期", "Declaration date", "date8", length=8, ri=True, e=False),
    _h("customsCode", "申报海关代码", "Customs code", length=4, ri=True, re_=True),
    _h("portCode", "口岸海关代码", "Port customs code", length=4, ri=True, re_=True),
    _h("ieDate", "进出口日期", "Import/export date", "date8", length=8, re_=True),
    _h("buyerIdType", "订购人证件类型", "Buyer ID type", length=1, ri=True, e=False),
    _h("buyerIdNumber", "订购人证件号码", "Buyer ID number", max_len=60, ri=True, e=False),
    _h("buyerName", "订购人姓名", "Buyer name", max_len=60, ri=True, e=False),
    _h("buyerTelephone", "订购人电话", "Buyer telephone", max_len=30, ri=True, e=False),
    _h("consigneeAddress", "收件地址", "Consignee address", max_len=200, ri=True, e=False),
    _h("agentCode", "申报企业代码", "Declaring agent code", max_len=18, ri=True, re_=True),
    _h("agentName", "申报企业名称", "Declaring agent name", max_len=100, ri=True, re_=True),
    _h("areaCode", "区内企业代码", "Zone enterprise code", max_len=18, e=False),
    _h("areaName", "区内企业名称", "Zone enterprise name", max_len=100, e=False),
    _h("tradeMode", "贸易方式", "Trade mode", length=4, ri=True, re_=True),
    _h("trafMode", "运输方式", "Transport mode", length=1, ri=True, re_=True),
    _h("trafNo", "运输工具编号", "Transport No.", max_len=100, e=False),
    _h("voyageNo", "航班航次号", "Flight/voyage No.", max_len=32),
    _h("billNo", "提运单号", "Master bill No.", max_len=37),
    _h("loctNo", "监管场所代码", "Supervision site code", max_len=10),
    _h("licenseNo", "许可证件号", "Licence No.", max_len=19),
    _h("country", "起运国(地区)", "Country of departure", length=3, ri=True, re_=True),
    _h("freight", "运费", "Freight", "dec", ri=True, re_=True),
    _h("insuredFee", "保费", "Insurance fee", "dec", ri=True, re_=True),
    _h("currency", "币制", "Currency", length=3, ri=True, e=False),
    _h("wrapType", "包装种类代码", "Wrap type", length=1, re_=True),
    _h("packNo", "件数", "Packages", "int", ri=True, re_=True),
    _h("grossWeight", "毛重(千克)", "Gross weight (kg)", "dec", ri=True, re_=True),
    _h("netWeight", "净重(千克)", "Net weight (kg)", "dec", ri=True, re_=True),
    _h("note", "备注", "Note", max_len=1000),
    # CEB603 (export) only
    _h("statisticsFlag", "申报业务类型", "Statistics flag", length=1, re_=True, i=False),
    _h("ownerCode", "生产销售企业代码", "Owner code", max_len=18, re_=True, i=False),
    _h("ownerName", "生产销售企业名称", "Owner name", max_len=100, re_=True, i=False),
    _h("iacCode", "区内企业代码(出口)", "Zone enterprise code (export)", max_len=18, i=False),
    _h("iacName", "区内企业名称(出口)", "Zone enterprise name (export)", max_len=100, i=False),
    _h("trafName", "运输工具名称", "Transport name", max_len=100, i=False),
    _h("totalPackageNo", "总包号", "Bag No.", max_len=500, i=False),
    _h("POD", "指运港代码", "Port of destination", max_len=4, re_=True, i=False),
    _h("fCurrency", "运费币制", "Freight currency", length=3, re_=True, i=False),
    _h("fFlag", "运费标志", "Freight flag", length=1, re_=True, i=False),
    _h("iCurrency", "保费币制", "Insurance currency", length=3, re_=True, i=False),
    _h("iFlag", "保费标志", "Insurance flag", length=1, re_=True, i=False),
)

# Order (CEB311), payment (CEB411) and waybill (CEB511) data, when the platform file has it.
EXTRA_HEAD_FIELDS: tuple[FieldSpec, ...] = (
    _h("consignee", "收货人姓名", "Consignee", max_len=60, i=False, e=False),
    _h("consigneeTelephone", "收货人电话", "Consignee telephone", max_len=50, i=False, e=False),
    _h("consigneeDistrict", "收货人行政区划", "Consignee district", max_len=6, i=False,
       e=False),
    _h("goodsValue", "商品价格", "Goods value", "dec", i=False, e=False),
    _h("discount", "非现金抵扣金额", "Discount", "dec", i=False, e=False),
    _h("taxTotal", "代扣税款", "Tax withheld", "dec", i=False, e=False),
    _h("acturalPaid", "实际支付金额", "Amount paid (order)", "dec", i=False, e=False),
    _h("payCode", "支付企业代码", "Payment company code", max_len=18, i=False, e=False),
    _h("payName", "支付企业名称", "Payment company name", max_len=100, i=False, e=False),
    _h("payTransactionId", "支付交易编号", "Payment transaction ID", max_len=60, i=False,
       e=False),
    _h("payerName", "支付人姓名", "Payer name", max_len=60, i=False, e=False),
    _h("payerIdNumber", "支付人证件号码", "Payer ID number", max_len=60, i=False, e=False),
    _h("amountPaid", "支付金额", "Amount paid (payment)", "dec", i=False, e=False),
    _h("waybillFreight", "运单运费", "Freight (waybill)", "dec", i=False, e=False),
)

ITEM_FIELDS: tuple[FieldSpec, ...] = (
    _i("gnum", "商品序号", "Item No.", "int", ri=True, re_=True),
    _i("itemRecordNo", "账册备案料号", "Record item No.", max_len=30),
    _i("itemNo", "企业商品货号", "SKU", max_len=20, re_=True),
    _i("itemName", "企业商品品名", "Item name (platform)", max_len=250),
    _i("gcode", "商品编码", "HS code", length=10, ri=True, re_=True),
    _i("gname", "商品名称", "Goods name", max_len=250, ri=True, re_=True),
    _i("gmodel", "规格型号", "Specification", max_len=510, ri=True, re_=True),
    _i("barCode", "条码", "Bar code", max_len=50, re_=True),
    _i("country", "原产国(地区)", "Country of origin", length=3, ri=True, re_=True),
    _i("tradeCountry", "贸易国(地区)", "Trading country", max_len=3, e=False),
    _i("currency", "币制", "Currency", length=3, ri=True, re_=True),
    _i("qty", "数量", "Quantity", "dec", ri=True, re_=True),
    _i("unit", "计量单位", "Unit", length=3, ri=True, re_=True),
    _i("qty1", "法定数量", "Legal quantity", "dec", ri=True, re_=True),
    _i("unit1", "法定计量单位", "Legal unit", length=3, ri=True, re_=True),
    _i("qty2", "第二数量", "Second quantity", "dec"),
    _i("unit2", "第二计量单位", "Second unit", length=3),
    _i("price", "单价", "Unit price", "dec", ri=True, re_=True),
    _i("totalPrice", "总价", "Total price", "dec", ri=True, re_=True),
    _i("note", "备注", "Note", max_len=1000),
)

ALL_HEAD_FIELDS: tuple[FieldSpec, ...] = HEAD_FIELDS + EXTRA_HEAD_FIELDS
HEAD_BY_NAME: dict[str, FieldSpec] = {f.name: f for f in ALL_HEAD_FIELDS}
ITEM_BY_NAME: dict[str, FieldSpec] = {f.name: f for f in ITEM_FIELDS}


def field_spec(name: str, item: bool) -> FieldSpec | None:
    """The field `name` of an item (`item`) or of the head, else of the other level: a rule
    may report an item field for the whole declaration (the order total's `totalPrice`)."""
    first, other = (ITEM_BY_NAME, HEAD_BY_NAME) if item else (HEAD_BY_NAME, ITEM_BY_NAME)
    return first.get(name) or other.get(name)


def field_label(name: str, item: bool, lang: str) -> str:
    """The user label of a field as the form shows it (the key itself if unknown)."""
    spec = field_spec(name, item)
    return spec.label(lang) if spec is not None else name


# Money, quantities and weights: N19,5 in the XSD, Decimal everywhere in ClearDesk.
DECIMAL_PLACES = 5
