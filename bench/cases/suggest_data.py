"""A synthetic goods catalogue for the HS suggestion bench: products a broker would have
classified (brand + product words + variant), built from its own word lists — none of the names
of the accuracy test set (tests/fixtures/hs_suggest_testset.csv), and brands of its own."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime

from app.catalogue.store import entry_key, name_key

# HS code → product words a listing uses for it
PRODUCTS: dict[str, tuple[str, ...]] = {
    "3304990099": ("补水保湿面霜", "美白淡斑精华液", "修护晚霜", "舒缓爽肤水", "清爽控油乳液",
                   "紧致眼霜", "水光面膜", "温和防晒乳", "遮瑕粉底液", "焕亮精华油",
                   "保湿身体乳", "滋润护手霜", "积雪草修护霜", "烟酰胺精华"),
    "3304100000": ("丝绒哑光口红", "滋润唇膏", "镜面唇釉", "水润唇彩"),
    "3304200000": ("大地色眼影盘", "纤长睫毛膏", "极细眼线笔", "防水眉笔"),
    "3304910000": ("控油定妆散粉", "柔焦蜜粉饼"),
    "3303000000": ("花香调女士香水", "木质调男士淡香水", "白茶香氛"),
    "3305100000": ("去屑洗发水", "无硅油洗发露", "控油洗发香波"),
    "3305900000": ("修护护发素", "柔顺发膜"),
    "3306101000": ("美白牙膏", "清新薄荷牙膏", "儿童防蛀牙膏"),
    "3401300000": ("氨基酸洗面奶", "深层清洁洁面乳", "香氛沐浴露", "泡沫洗手液"),
    "1901101000": ("婴儿配方奶粉1段", "较大婴儿配方奶粉2段", "幼儿配方奶粉3段",
                   "有机婴儿配方羊奶粉"),
    "0402210000": ("全脂奶粉 成人", "中老年高钙奶粉"),
    "2106909090": ("维生素C咀嚼片", "深海鱼油软胶囊", "益生菌粉", "胶原蛋白肽饮",
                   "复合维生素片", "叶黄素酯软胶囊", "护肝片", "氨糖软骨素钙片",
                   "DHA藻油软胶囊", "葡萄籽胶囊"),
    "2106100000": ("分离乳清蛋白粉", "植物蛋白粉"),
    "0409000000": ("麦卢卡蜂蜜", "洋槐蜂蜜", "椴树蜂蜜"),
    "2204210000": ("干红葡萄酒", "干白葡萄酒", "半甜红葡萄酒"),
    "2204100000": ("起泡葡萄酒", "桃红起泡酒"),
    "2208300000": ("单一麦芽威士忌", "调和威士忌"),
    "2203000000": ("小麦精酿啤酒", "黑啤酒", "拉格啤酒"),
    "6404110000": ("男款缓震跑步鞋", "女款轻便运动鞋", "篮球鞋 高帮"),
    "6403990090": ("男士真皮商务皮鞋", "女士牛皮单鞋"),
    "4202210000": ("女士真皮斜挎手提包", "牛皮托特手提包"),
    "4202920000": ("尼龙双肩背包", "户外登山背包", "儿童书包"),
    "4202310000": ("男士真皮钱包", "牛皮卡包"),
    "4202121000": ("PC拉杆行李箱", "万向轮旅行箱"),
    "8517130000": ("5G智能手机", "折叠屏手机"),
    "8517629400": ("真无线蓝牙耳机", "降噪无线耳机"),
    "8518300000": ("有线入耳式耳机", "头戴式有线耳机"),
    "8471301000": ("平板电脑 WiFi版", "儿童平板电脑"),
    "8507600090": ("快充移动电源", "磁吸充电宝"),
    "8516310000": ("负离子电吹风", "高速吹风机"),
    "8510100000": ("旋转式电动剃须刀", "往复式剃须刀"),
    "9503005000": ("拼插积木 城市系列", "磁力片积木"),
    "9503008900": ("毛绒公仔", "遥控越野车玩具", "合金车模玩具"),
    "9503006000": ("木质拼图", "益智魔方"),
    "9619001100": ("婴儿纸尿裤 L码", "婴儿拉拉裤 XL码"),
    "6109100000": ("纯棉圆领短袖T恤", "男士纯棉T恤"),
    "6110120000": ("女士羊绒针织衫", "男士羊绒衫"),
    "6115950000": ("纯棉船袜", "男士纯棉袜子"),
    "1806320000": ("黑巧克力排块", "牛奶巧克力排"),
    "1905310000": ("黄油曲奇饼干", "消化饼干"),
    "2309100000": ("全价成猫粮", "全价成犬粮", "幼猫粮"),
    "9004100000": ("偏光太阳镜", "时尚墨镜"),
}
BRANDS = ("沐光", "悠然", "北岸", "晨曦", "雪域", "蓝海", "青禾", "暖阳", "星野", "初见",
          "Aurora", "Nordic", "Kiwi Farm", "Alpina", "Maple", "Sakura", "Olivia", "Marino",
          "Everest", "Coral", "Luna", "Vita", "Botanic", "Urban")
VARIANTS = ("", "经典款", "升级版", "礼盒装", "旅行装", "家庭装", "新款", "限定版", "二代",
            "特惠装", "清新型", "滋润型")
SIZES = ("50ml", "100ml", "200g", "500g", "1kg", "750ml", "60粒", "2瓶装", "30片", "1件")
SOURCES = ("accepted",) * 7 + ("confirmed",) * 2 + ("imported",)


def catalogue_rows(count: int, seed: int = 18) -> Iterator[dict[str, object]]:
    """`count` catalogue entries as column dicts (distinct SKUs; names repeat across SKUs
    the way one product sells under several listings)."""
    rng = random.Random(seed)
    codes = list(PRODUCTS)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(count):
        gcode = rng.choice(codes)
        gname = " ".join(p for p in (rng.choice(BRANDS), rng.choice(PRODUCTS[gcode]),
                                     rng.choice(VARIANTS)) if p)
        gmodel = rng.choice(SIZES)
        source = rng.choice(SOURCES)
        item_no = f"SKU{i:07d}"
        yield {"entry_key": entry_key("BENCHEBC01", item_no, gname, gmodel),
               "ebc_code": "BENCHEBC01", "item_no": item_no,
               "name_key": name_key(gname, gmodel), "gname": gname, "gmodel": gmodel,
               "gcode": gcode, "source": source,
               "accepted_count": rng.randint(1, 60) if source == "accepted" else 0,
               "created_at": now, "updated_at": now}
