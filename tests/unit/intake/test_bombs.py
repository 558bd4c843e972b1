"""Hostile spreadsheets and files: refused quickly with a message naming the limit and the
file's size, in a child process whose death is a clear error, never the end of ours."""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

import pytest

from app.domain.errors import UserFacingError, ValidationError
from app.intake.limits import ReadLimits
from app.intake.readers import list_sheets, open_table
from app.intake.sheetworker import _dumps, _loads
from tests.unit.intake.bombfiles import ods_bomb, ods_with_trailing_empties, xlsx_with_far_cell
from tests.unit.intake.filemakers import CN_HEADERS, CN_ROWS, write_xlsx


def _refusal(path: Path, limits: ReadLimits | None = None) -> UserFacingError:
    with pytest.raises(UserFacingError) as info:
        table = open_table(path, **({"limits": limits} if limits else {}))
        list(table.rows)
    return info.value


def test_one_cell_at_xfd1048576_is_refused_with_its_position(tmp_path: Path) -> None:
    path = xlsx_with_far_cell(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 5000
    error = _refusal(path)
    assert "1048576" in error.text("en") and "16384" in error.text("en")
    assert "第 1048576 行" in error.text("zh_CN") and "第 16384 列" in error.text("zh_CN")


def test_a_lying_dimension_does_not_hide_the_far_cell(tmp_path: Path) -> None:
    # Declares A1:C2; one cell at CV1048576 makes 1,048,576 × 100 cells (within the row
    # and column limits, over the cell limit).
    path = xlsx_with_far_cell(tmp_path / "lie.xlsx", "CV1048576", dimension="C2")
    error = _refusal(path)
    assert "104857600" in error.text("en") and "25000000" in error.text("en")
    # Out of row order, before the orders, it is found all the same.
    path = xlsx_with_far_cell(tmp_path / "early.xlsx", "CV1048576", dimension="C2", first=True)
    assert "104857600" in _refusal(path).text("en")


def test_a_formatted_empty_cell_far_away_is_no_bomb(tmp_path: Path) -> None:
    # Excel writes `<c r="…" s="1"/>` for a cell that only has a format; the reader skips it.
    path = xlsx_with_far_cell(tmp_path / "styled.xlsx", "AZ5000", dimension="C2", empty=True)
    table = open_table(path, limits=ReadLimits(max_cells=1000))
    assert list(table.rows) == [(2, ["SO1", "YT1", "奶粉"])]


def test_ods_repeat_counts_are_summed_before_reading(tmp_path: Path) -> None:
    path = ods_bomb(tmp_path / "bomb.ods")
    assert path.stat().st_size < 2000
    with pytest.raises(UserFacingError) as info:
        list_sheets(path)
    assert "1048577" in info.value.text("en") and "16384" in info.value.text("en")
    error = _refusal(path)
    assert "16384" in error.text("zh_CN")


def test_ods_repeats_within_the_columns_but_over_the_cell_limit(tmp_path: Path) -> None:
    path = ods_bomb(tmp_path / "tall.ods", rows=1_000_000, columns=100)
    error = _refusal(path)
    assert "100000100" in error.text("en")


def test_trailing_empty_repeats_of_libreoffice_are_read(tmp_path: Path) -> None:
    table = open_table(ods_with_trailing_empties(tmp_path / "libre.ods"))
    assert table.headers == ("订单编号", "物流运单编号", "商品名称")
    assert list(table.rows) == [(2, ["SO1", "YT1", "奶粉"])]


def test_a_child_killed_by_the_memory_limit_is_a_clear_error(tmp_path: Path) -> None:
    # Limits wide enough to let the far cell through to the reader, which then asks for
    # 550 GB: the child dies under its 300 MB limit, we report it and go on.
    path = xlsx_with_far_cell(tmp_path / "bomb.xlsx")
    limits = ReadLimits(max_rows=10**7, max_columns=10**5, max_cells=10**13,
                        reader_memory_bytes=300 * 2**20)
    error = _refusal(path, limits)
    assert "300 MB" in error.text("en")
    assert "文件过大或已损坏" in error.text("zh_CN")
    normal = write_xlsx(tmp_path / "ok.xlsx", CN_HEADERS, CN_ROWS)
    assert len(list(open_table(normal).rows)) == len(CN_ROWS)  # and we are still here


def test_a_reader_that_goes_silent_is_stopped(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "ok.xlsx", CN_HEADERS, CN_ROWS)
    error = _refusal(path, ReadLimits(reader_timeout_seconds=0.001))
    assert "seconds" in error.text("en") and "ok.xlsx" in error.text("en")


def test_frames_carry_plain_values_and_dates_only() -> None:
    row = ["a", 1, 2.5, None, True, dt.date(2024, 5, 1), dt.datetime(2024, 5, 1, 8, 30),
           dt.time(8, 30), dt.timedelta(days=1, seconds=5)]
    assert _loads(_dumps(["rows", [row]])) == ["rows", [row]]
    with pytest.raises(ValueError, match="unexpected"):
        _loads(b'["rows", [[{"$": "os.system", "v": "rm"}]]]')


def test_a_pipe_named_csv_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "orders.csv"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def read() -> None:
        try:
            open_table(fifo)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=20)
    if reader.is_alive():  # unblock the hung reader so the test run can end
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert isinstance(outcome[0], ValidationError)
    assert "not a regular file" in outcome[0].text("en")
    with pytest.raises(ValidationError, match="not a regular file"):
        open_table(tmp_path)
