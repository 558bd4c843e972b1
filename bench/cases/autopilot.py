"""Autopilot benchmark (issue 25).

autopilot-100k: 100k clean parcels in 20 platform files (CSV, one order a row) dropped in a
watch folder, from the drop to handed-over messages (the CEB621 files written to the
exchange folder's outbox): one `cleardesk autopilot --once` pass at the rule's cut-off vs
the sum of the same commands run by hand — `import FILE` for each file (it pre-checks, as
the CLI does; a separate `check` would only make the hand side slower), then `batch create
--status ready --limit 500` and `submit BATCH` until nothing is ready. Both sides call the
commands' own handlers through one CliContext each (no process start-up on either side),
each on its own copy of the same office database. Quick mode: 10k parcels in 5 files.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from app.cli.framework import CliContext, Result
from app.db.engine import make_engine, make_session_factory
from app.db.migrate import ensure_schema
from app.domain.errors import ValidationError
from app.security.context import system_actor
from app.services.bootstrap import after_migration
from app.services.demo import id_check_character
from bench.registry import Outcome, best_of, case, cpu_clock, scratch_dir

OFFICE = {
    "agentCode": "3122480063", "agentName": "上海快通报关有限公司",
    "logisticsCode": "3115980Z02", "logisticsName": "上海邮政速递物流有限公司",
    "copCode": "3122480063", "copName": "上海快通报关有限公司", "dxpId": "DXPENT0000458763",
    "customsCode": "2244", "portCode": "2244", "tradeMode": "9610", "trafMode": "5",
    "assureCode": "3122480063",
}
HEADERS = ["订单编号", "物流运单编号", "电商平台代码", "电商平台名称", "电商企业代码",
           "电商企业名称", "订购人姓名", "订购人证件号码", "订购人电话", "收件地址", "商品名称",
           "商品编码", "规格型号", "原产国", "数量", "计量单位", "法定数量", "法定计量单位",
           "单价", "总价", "币制", "运费", "保费", "启运国", "毛重(kg)", "净重(kg)"]
# Goods the pre-check passes without a warning (nothing for a person to acknowledge).
GOODS = [
    ("婴幼儿配方奶粉", "1901101000", "900g/罐 3段", "荷兰", 2, "罐", "1.8", "千克", "228"),
    ("保湿面霜", "3304990099", "50ml", "日本", 1, "瓶", "0.05", "千克", "680"),
    ("维生素C片", "2106909090", "100粒/瓶", "美国", 3, "瓶", "0.3", "千克", "89"),
    ("婴儿纸尿裤", "9619001100", "L码 54片", "日本", 4, "包", "3.2", "千克", "109"),
    ("天然蜂蜜", "0409000000", "500g", "新西兰", 2, "瓶", "1", "千克", "158"),
]
BATCH_SIZE = 500
CUTOFF_PASSED = "2026-12-05T10:31"


def _rows(first: int, n: int) -> Iterator[list[Any]]:
    born = date(1980, 1, 1)
    for k in range(first, first + n):
        name, hs, model, country, qty, unit, qty1, unit1, price = GOODS[k % len(GOODS)]
        # A buyer of their own for every order (the annual limit never comes into play).
        first17 = f"310101{(born + timedelta(days=k // 1000)).strftime('%Y%m%d')}{k % 1000:03d}"
        yield [f"TM{k:010d}", f"EA{k:08d}CN", "31209606ZN", "天猫国际", "3120966A0C",
               "天猫国际进口超市", "王芳", first17 + id_check_character(first17),
               f"139{k:08d}", f"上海市浦东新区世纪大道{k % 999 + 1}号", name, hs, model, country,
               qty, unit, qty1, unit1, price, str(int(price) * qty), "人民币", "0", "0", "日本",
               "2.0", "1.8"]


def _files(folder: Path, files: int, per_file: int) -> list[Path]:
    folder.mkdir()
    out = []
    past = time.time() - 3600  # complete, as far as the watch folder's settle rule goes
    for f in range(files):
        path = folder / f"tmall-{f:02d}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(HEADERS)
            w.writerows(_rows(f * per_file + 1, per_file))
        os.utime(path, (past, past))
        out.append(path)
    return out


def _template(d: Path) -> Path:
    from app.autopilot.rules import save_rule
    from app.security.context import Actor, Role

    path = d / "template.sqlite3"
    eng = make_engine(f"sqlite:///{path}")
    ensure_schema(eng)
    after_migration(eng)
    from app.services import settings as settings_service

    with make_session_factory(eng)() as s, s.begin():
        settings_service.set_settings(s, system_actor(), OFFICE)
        save_rule(s, Actor("wang", Role.SUPERVISOR), "午班",
                  {"bill_no": "78412345675", "traf_no": "MU5101", "voyage_no": "MU5101",
                   "size_limit": BATCH_SIZE, "cutoffs": "10:30,16:00"})
    eng.dispose()
    return path


def _context(template: Path, d: Path, side: str) -> tuple[CliContext, Path]:
    """A fresh copy of the office database with its own exchange folder."""
    from app.services import settings as settings_service

    db = d / f"{side}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, db)
    exchange = d / f"{side}-exchange"
    shutil.rmtree(exchange, ignore_errors=True)
    exchange.mkdir()
    ctx = CliContext(url=f"sqlite:///{db}", lang="en", json=True)
    with ctx.transaction() as s:
        settings_service.set_settings(s, ctx.actor, {"exchangeDir": str(exchange)})
    return ctx, exchange


def _run(ctx: CliContext, argv: list[str]) -> Result:
    from app.cli.main import build_parser

    args: argparse.Namespace = build_parser(argv[0]).parse_args(argv)
    result: Result = args.handler(ctx, args)
    return result


def _outbox(exchange: Path) -> int:
    return sum(1 for p in (exchange / "outbox").glob("CEB621_*.xml"))


def _by_hand(ctx: CliContext, watch: Path) -> int:
    """The commands a clerk would type, in order; returns the declarations imported."""
    declared = 0
    for f in sorted(watch.iterdir()):
        declared += int(_run(ctx, ["import", str(f)]).data["declarations"])
    while True:
        try:
            made = _run(ctx, ["batch", "create", "--status", "ready", "--limit",
                              str(BATCH_SIZE), "--bill-no", "78412345675",
                              "--traf-no", "MU5101", "--voyage-no", "MU5101"]).data
        except ValidationError as exc:  # "There are no ready declarations …": done
            if "no ready declarations" not in exc.text("en"):
                raise
            return declared
        _run(ctx, ["submit", str(made["batch"])])


@case("autopilot-100k", target=1.1)
def autopilot_100k(quick: bool) -> Outcome:
    n_files, per_file = (5, 2_000) if quick else (20, 5_000)
    with scratch_dir() as d:
        os.environ.setdefault("CLEARDESK_CONFIG_DIR", str(d / "workstation"))
        template = _template(d)
        originals = _files(d / "files", n_files, per_file)
        seen: dict[str, int] = {}
        cpus: dict[str, list[float]] = {"pilot": [], "hand": []}

        def drop(side: str) -> Path:
            watch = d / f"{side}-drop"
            shutil.rmtree(watch, ignore_errors=True)
            watch.mkdir()
            for f in originals:
                shutil.copy2(f, watch / f.name)  # mtime kept: complete
            return watch

        def autopilot() -> dict[str, int]:
            watch = drop("pilot")
            ctx, exchange = _context(template, d, "pilot")
            with cpu_clock() as cpu:
                data = _run(ctx, ["autopilot", "--once", "--watch", str(watch),
                                  "--now", CUTOFF_PASSED]).data
            cpus["pilot"].append(cpu())
            ctx.dispose()
            seen["pilot_declarations"] = int(data["declarations"])
            seen["pilot_files"] = _outbox(exchange)
            return seen

        def by_hand() -> None:
            watch = drop("hand")
            ctx, exchange = _context(template, d, "hand")
            with cpu_clock() as cpu:
                seen["hand_declarations"] = _by_hand(ctx, watch)
            cpus["hand"].append(cpu())
            ctx.dispose()
            seen["hand_files"] = _outbox(exchange)

        ours, bare, _ = best_of(autopilot, by_hand, rounds=2)
    parcels = n_files * per_file
    assert seen["pilot_declarations"] == seen["hand_declarations"] == parcels, seen
    assert seen["pilot_files"] == seen["hand_files"] > 0, seen
    return Outcome(ours, bare, {
        "parcels": str(parcels), "files": str(n_files), "messages": str(seen["pilot_files"]),
        "cpu": f"{min(cpus['pilot']):.1f}s:{min(cpus['hand']):.1f}s",
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg())})
