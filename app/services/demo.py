"""Realistic demo declarations for training, screenshots and benchmarks.

Chinese buyers with synthetic 18-digit IDs carrying a correct GB 11643 check character, mobile
numbers, full addresses, common cross-border goods with real HS codes and legal units, several
items on some parcels, a mix of statuses, and a small share of deliberately flawed records so
the problem views have content. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.db.bulk import insert_declarations
from app.precheck.service import check_declarations
from app.reference.tables import ReferenceTables
from app.security.audit import record_event
from app.security.context import Actor, Permission, Role, require

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余"
    "于杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩"
    "凯健俊帆帅旭宁琳晨欣怡梓涵子轩雨萱浩然一诺思彤嘉怡佳琪梦瑶欣妍博文宇航晓东海燕丹"
    "丹婷婷"
)

# (province, city, districts, area code prefix of the ID number)
PLACES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("北京市", "北京市", ("朝阳区", "海淀区", "东城区", "丰台区"), "110105"),
    ("上海市", "上海市", ("浦东新区", "徐汇区", "静安区", "闵行区"), "310115"),
    ("广东省", "广州市", ("天河区", "越秀区", "番禺区", "白云区"), "440106"),
    ("广东省", "深圳市", ("南山区", "福田区", "宝安区", "龙岗区"), "440305"),
    ("浙江省", "杭州市", ("西湖区", "余杭区", "滨江区", "拱墅区"), "330106"),
    ("江苏省", "南京市", ("鼓楼区", "玄武区", "江宁区", "建邺区"), "320106"),
    ("江苏省", "苏州市", ("姑苏区", "工业园区", "吴中区", "相城区"), "320508"),
    ("四川省", "成都市", ("武侯区", "锦江区", "高新区", "青羊区"), "510107"),
    ("湖北省", "武汉市", ("江汉区", "武昌区", "洪山区", "汉阳区"), "420103"),
    ("山东省", "青岛市", ("市南区", "崂山区", "黄岛区", "李沧区"), "370202"),
    ("福建省", "厦门市", ("思明区", "湖里区", "集美区", "海沧区"), "350203"),
    ("陕西省", "西安市", ("雁塔区", "碑林区", "未央区", "长安区"), "610113"),
    ("天津市", "天津市", ("和平区", "南开区", "河西区", "滨海新区"), "120101"),
    ("重庆市", "重庆市", ("渝中区", "江北区", "南岸区", "沙坪坝区"), "500103"),
    ("河南省", "郑州市", ("金水区", "二七区", "中原区", "郑东新区"), "410105"),
)
STREETS = ("建国路", "人民路", "中山路", "解放大道", "长江路", "和平街", "科技园路", "湖滨路",
           "新华路", "文化路", "滨江大道", "世纪大道", "天府大道", "学院路", "花园路")
ESTATES = ("阳光花园", "锦绣家园", "万科城", "碧桂园", "世纪新城", "金地格林", "保利香槟",
           "绿地公馆", "华润城", "融创壹号院")
MOBILE_PREFIXES = ("138", "139", "137", "136", "135", "150", "151", "152", "158", "159", "186",
                   "187", "188", "133", "153", "180", "181", "189", "177", "199", "166")

# Platforms: (ebpCode, ebpName, ebcCode, ebcName)
PLATFORMS: tuple[tuple[str, str, str, str], ...] = (
    ("3301968X01", "天猫国际", "3301W6A001", "天猫国际海外直营店(香港)有限公司"),
    ("1105910159", "京东国际", "1105W6B002", "京东全球购(香港)贸易有限公司"),
    ("3301964J31", "考拉海购", "3301W6C003", "网易考拉海外贸易有限公司"),
    ("1101180326", "抖音全球购", "1101W6D004", "字节跳动跨境商贸(香港)有限公司"),
    ("3120261AAB", "拼多多跨境", "3120W6E005", "拼多多海外购(香港)有限公司"),
)


@dataclass(frozen=True)
class Goods:
    gname: str
    gmodel: str
    gcode: str
    unit: str  # unit of the deal
    price: tuple[int, int]  # yuan range
    net_kg: Decimal  # per unit
    country: str
    max_qty: int = 3
    litres: Decimal | None = None  # per unit, for goods whose legal unit is 095 (L)

    def legal_qty(self, unit: str | None, qty: Decimal) -> Decimal:
        """Quantity in a legal unit of the HS code: kg by net weight, L by volume, else count."""
        if unit == "035":
            return self.net_kg * qty
        if unit == "095" and self.litres is not None:
            return self.litres * qty
        return qty


CATALOG: tuple[Goods, ...] = (
    Goods("爱他美婴儿配方奶粉3段", "800g/罐 适用1-3岁 Aptamil", "1901101000", "122", (198, 268),
          Decimal("0.8"), "304", 6),
    Goods("a2白金婴儿配方奶粉4段", "900g/罐 A2 Platinum", "1901101000", "122", (228, 289),
          Decimal("0.9"), "609", 6),
    Goods("花王妙而舒婴儿纸尿裤L码", "54片/包 Merries", "9619001100", "125", (89, 129),
          Decimal("1.4"), "116", 4),
    Goods("雅诗兰黛特润修护肌活精华露", "50ml/瓶 Estee Lauder", "3304990099", "142", (560, 790),
          Decimal("0.15"), "502", 2),
    Goods("兰蔻菁纯臻颜精萃乳霜", "50ml/瓶 Lancome", "3304990099", "142", (980, 1450),
          Decimal("0.2"), "305", 1),
    Goods("迪奥烈艳蓝金唇膏999", "3.5g/支 Dior", "3304100000", "012", (280, 350),
          Decimal("0.03"), "305", 3),
    Goods("香奈儿可可小姐香水", "50ml/瓶 Chanel", "3303000000", "142", (820, 1100),
          Decimal("0.25"), "305", 1),
    Goods("资生堂洗发水", "550ml/瓶 Shiseido", "3305100000", "142", (69, 99),
          Decimal("0.6"), "116", 4),
    Goods("Swisse钙维生素D片", "150片/瓶 保健食品", "2106909090", "142", (119, 169),
          Decimal("0.3"), "601", 4),
    Goods("澳洲Blackmores深海鱼油", "400粒/瓶 保健食品", "2106909090", "142", (139, 199),
          Decimal("0.5"), "601", 3),
    Goods("高露洁牙膏", "120g/支 Colgate", "3306101000", "012", (19, 35),
          Decimal("0.15"), "502", 6),
    Goods("蔻驰女士单肩包", "牛皮 中号 Coach", "4202290000", "011", (1580, 2600),
          Decimal("0.9"), "502", 1),
    Goods("耐克男子跑步鞋", "42码 网面 Nike", "6404110000", "025", (599, 899),
          Decimal("0.8"), "141", 2),
    Goods("精工自动机械手表", "SRPD 系列 Seiko", "9102210000", "008", (1280, 2300),
          Decimal("0.2"), "116", 1),
    Goods("雷朋太阳镜", "RB3025 58mm Ray-Ban", "9004100000", "019", (699, 1099),
          Decimal("0.1"), "307", 1),
    Goods("博朗电动剃须刀", "9系 Braun", "8510100000", "007", (1599, 2499),
          Decimal("0.5"), "304", 1),
    Goods("德龙电热水壶", "1.7L KBOV2001 De'Longhi", "8516710000", "001", (399, 699),
          Decimal("1.2"), "307", 1),
    Goods("乐高积木玩具", "10281 盆景树 LEGO", "9503008900", "006", (299, 399),
          Decimal("0.6"), "302", 2),
    Goods("明治巧克力", "120g/盒 Meiji", "1806320000", "140", (25, 45),
          Decimal("0.12"), "116", 8),
    Goods("法国波尔多红葡萄酒", "750ml/瓶 13.5%vol", "2204210000", "142", (168, 399),
          Decimal("1.3"), "305", 6, Decimal("0.75")),
    Goods("优衣库羊毛针织衫", "M码 美利奴羊毛", "6110110000", "011", (199, 299),
          Decimal("0.3"), "116", 3),
    Goods("袜子棉质五双装", "均码 棉", "6115950000", "025", (59, 99),
          Decimal("0.25"), "133", 3),
)

CATALOG_BY_NAME: dict[str, Goods] = {g.gname: g for g in CATALOG}

# Share of deliberately flawed parcels: (kind, weight)
FLAWS = ("bad_id", "no_phone", "over_limit", "sum_mismatch", "weight", "unknown_hs")
# The note a flawed demo record carries (data, shown as typed, like any platform's note).
FLAW_NOTES = {
    "bad_id": "演示数据：证件号码校验码有误", "no_phone": "演示数据：缺订购人电话",
    "over_limit": "演示数据：超过单次交易限值", "sum_mismatch": "演示数据：总价与数量×单价不符",
    "weight": "演示数据：毛重小于净重", "unknown_hs": "演示数据：商品编码不存在",
}


def id_check_character(first17: str) -> str:
    """GB 11643 (ISO 7064 MOD 11-2) check character of the first 17 digits."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return "10X98765432"[total % 11]


def _id_number(rng: random.Random, area: str) -> str:
    born = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 365 * 38))
    first17 = f"{area}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + id_check_character(first17)


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _tax(value: Decimal, vat: Decimal, ct: Decimal) -> Decimal:
    return _money(value * (vat + ct) / (Decimal(1) - ct) * Decimal("0.7"))


STATUS_MIX = (
    ("draft", 18), ("ready", 22), ("invalid", 0), ("queued", 5), ("sent", 6), ("accepted", 8),
    ("review", 4), ("inspection", 2), ("detained", 1), ("released", 22), ("cleared", 10),
    ("rejected", 2),
)


def generate(count: int, seed: int, refs: ReferenceTables, settings: dict[str, str],
             start: datetime | None = None) -> tuple[list[dict[str, Any]],
                                                     list[list[dict[str, Any]]]]:
    """Build `count` declarations (heads, items) deterministically from `seed`."""
    rng = random.Random(seed)
    start = start or datetime(2026, 11, 1, tzinfo=UTC)
    statuses = [s for s, _ in STATUS_MIX]
    weights = [w for _, w in STATUS_MIX]
    heads: list[dict[str, Any]] = []
    items: list[list[dict[str, Any]]] = []
    logistics_code = settings.get("logisticsCode") or "3120980105"
    logistics_name = settings.get("logisticsName") or "中国邮政速递物流股份有限公司"
    waybills: set[str] = set()
    for n in range(count):
        prov, city, districts, area = rng.choice(PLACES)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        ebp_code, ebp_name, ebc_code, ebc_name = rng.choice(PLATFORMS)
        created = start + timedelta(minutes=n * 7 + rng.randrange(0, 7))
        postal = rng.random() < 0.35
        waybill = ""
        while not waybill or waybill in waybills:  # unique: 100k postal draws can repeat
            if postal:
                serial = f"{rng.randrange(10**7, 10**8)}"
                check = 11 - sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7),
                                                            strict=True)) % 11
                check = 0 if check == 10 else 5 if check == 11 else check
                waybill = f"{rng.choice(('EA', 'CP', 'RR', 'LP'))}{serial}{check}CN"
            else:
                waybill = f"1{rng.randrange(10**11, 10**12)}"  # 13-digit domestic EMS style
        waybills.add(waybill)
        goods_lines: list[dict[str, Any]] = []
        for gnum in range(1, rng.choice((1, 1, 1, 2, 2, 3)) + 1):
            g = rng.choice(CATALOG)
            hs = refs.hs(g.gcode)
            qty = Decimal(rng.randint(1, g.max_qty))
            price = Decimal(rng.randint(*g.price))
            unit1 = hs.unit1 if hs else "035"
            qty1 = g.legal_qty(unit1, qty)
            goods_lines.append({
                "gnum": gnum, "itemNo": f"SKU{rng.randrange(10**6, 10**7)}", "itemName": g.gname,
                "gcode": g.gcode, "gname": g.gname, "gmodel": g.gmodel, "barCode": "无",
                "country": g.country, "currency": "142", "qty": qty, "unit": g.unit,
                "qty1": qty1, "unit1": unit1,
                "qty2": g.legal_qty(hs.unit2, qty) if hs and hs.unit2 else None,
                "unit2": hs.unit2 if hs else None,
                "price": price, "totalPrice": price * qty,
            })
        goods = sum((i["totalPrice"] for i in goods_lines), Decimal(0))
        if goods > 4500:  # keep ordinary parcels under the ¥5,000 single limit
            goods_lines = goods_lines[:1]
            line = goods_lines[0]
            line["qty"] = Decimal(1)
            line["totalPrice"] = line["price"]
            g = CATALOG_BY_NAME[line["gname"]]
            line["qty1"] = g.legal_qty(line["unit1"], Decimal(1))
            if line["unit2"]:
                line["qty2"] = g.legal_qty(line["unit2"], Decimal(1))
            goods = line["totalPrice"]
        net_total = sum((i["qty1"] if i["unit1"] == "035" else Decimal("0.3")
                         for i in goods_lines), Decimal(0))
        freight = Decimal(rng.choice((0, 0, 10, 15, 20)))
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}"
        head: dict[str, Any] = {
            "orderNo": f"{ebp_code[-4:]}{created:%Y%m%d}{n:07d}",
            "ebpCode": ebp_code, "ebpName": ebp_name, "ebcCode": ebc_code, "ebcName": ebc_name,
            "logisticsNo": waybill, "logisticsCode": logistics_code,
            "logisticsName": logistics_name,
            "assureCode": ebc_code, "ieFlag": "I", "declTime": f"{created:%Y%m%d}",
            "customsCode": settings.get("customsCode") or "5141",
            "portCode": settings.get("portCode") or "5141",
            "buyerIdType": "1", "buyerIdNumber": _id_number(rng, area), "buyerName": name,
            "buyerTelephone": phone,
            "consigneeAddress": f"{prov}{city if city != prov else ''}{rng.choice(districts)}"
                                f"{rng.choice(STREETS)}{rng.randint(1, 999)}号"
                                f"{rng.choice(ESTATES)}{rng.randint(1, 30)}栋"
                                f"{rng.randint(1, 32)}0{rng.randint(1, 6)}室",
            "consignee": name, "consigneeTelephone": phone,
            "agentCode": settings.get("agentCode") or "5141980XYZ",
            "agentName": settings.get("agentName") or "广州清关通报关有限公司",
            "tradeMode": settings.get("tradeMode") or "9610",
            "trafMode": settings.get("trafMode") or "5",
            "country": goods_lines[0]["country"], "freight": freight, "insuredFee": Decimal(0),
            "currency": "142", "wrapType": "2", "packNo": 1,
            "grossWeight": (net_total * Decimal("1.15") + Decimal("0.1")).quantize(
                Decimal("0.001")),
            "netWeight": net_total.quantize(Decimal("0.001")),
            "goodsValue": goods, "acturalPaid": goods + freight, "amountPaid": goods + freight,
            "payerName": name, "status": rng.choices(statuses, weights)[0],
            "created_at": created, "updated_at": created, "goods_total": goods,
        }
        head["payerIdNumber"] = head["buyerIdNumber"]
        tax: Decimal | None = Decimal(0)
        for i in goods_lines:
            hs = refs.hs(i["gcode"])
            if hs and hs.vat_rate is not None and hs.ct_rate is not None and tax is not None:
                tax += _tax(i["totalPrice"], hs.vat_rate, hs.ct_rate)
            else:
                tax = None  # rates unknown: no estimate rather than a partial one
        head["tax_estimate"] = tax
        if rng.random() < 0.06:
            _flaw(rng, rng.choice(FLAWS), head, goods_lines)
        heads.append(head)
        items.append(goods_lines)
    return heads, items


def _flaw(rng: random.Random, kind: str, head: dict[str, Any],
          lines: list[dict[str, Any]]) -> None:
    """Make the record wrong in one way customs would reject (pre-check finds it)."""
    head["status"] = "invalid"
    head["note"] = FLAW_NOTES[kind]
    if kind == "bad_id":
        last = head["buyerIdNumber"][-1]
        head["buyerIdNumber"] = head["buyerIdNumber"][:-1] + ("1" if last != "1" else "2")
        head["payerIdNumber"] = head["buyerIdNumber"]  # the same typo on every document
    elif kind == "no_phone":
        head["buyerTelephone"] = None
    elif kind == "over_limit":
        lines[0]["price"] = Decimal(rng.randint(5200, 8800))
        lines[0]["qty"] = Decimal(1)
        lines[0]["totalPrice"] = lines[0]["price"]
        goods = sum((i["totalPrice"] for i in lines), Decimal(0))
        paid = goods + head["freight"]
        head.update(goods_total=goods, goodsValue=goods, acturalPaid=paid, amountPaid=paid)
    elif kind == "sum_mismatch":
        lines[0]["totalPrice"] = lines[0]["totalPrice"] + Decimal(10)
    elif kind == "weight":
        head["grossWeight"] = head["netWeight"] / 2
    else:
        lines[0]["gcode"] = "9999999999"


def add_demo_declarations(session: Session, actor: Actor, count: int, seed: int,
                          refs: ReferenceTables, settings: dict[str, str]) -> tuple[int, int]:
    """Insert `count` demo declarations through the bulk path. Returns (declarations, items)."""
    require(actor, Permission.DEMO)
    heads, items = generate(count, seed, refs, settings)
    ids = insert_declarations(session, heads, items)
    n_items = sum(len(i) for i in items)
    # The pre-check stores problems and tax estimates; statuses past `ready` stay as generated.
    # It is part of generating the demo, so it runs with the demo's rights, under the user's name.
    checker = Actor(actor.name, Role.SYSTEM, actor.user_id, actor.workstation)
    check_declarations(session, checker, ids, ref=refs, report=False)
    record_event(session, actor, "demo.generate", entity="declarations",
                 details={"declarations": count, "items": n_items, "seed": seed})
    return count, n_items
