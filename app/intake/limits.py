"""Caps that keep a hostile or absurd file from hanging or exhausting the machine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReadLimits:
    """Upper bounds applied by every reader; all configurable by the caller.

    `max_file_bytes` caps the file on disk, `max_uncompressed_bytes` the inflated size of a
    zipped workbook (XLSX/ODS), `max_compression_ratio` catches zip bombs that stay under the
    size cap, `max_rows`/`max_columns` cap the table, `max_json_depth` the nesting of JSON.
    """

    max_file_bytes: int = 1024 * 1024 * 1024
    max_uncompressed_bytes: int = 1024 * 1024 * 1024
    max_compression_ratio: float = 200.0
    max_rows: int = 2_000_000
    max_columns: int = 500
    max_json_depth: int = 20
    header_scan_rows: int = 30
    max_cells: int = 25_000_000
    max_errors: int = 1000
    reader_memory_bytes: int = 4 * 1024 * 1024 * 1024
    reader_timeout_seconds: float = 300.0
    isolate_reader: bool = True


DEFAULT_LIMITS = ReadLimits()
