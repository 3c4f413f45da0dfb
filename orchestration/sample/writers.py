"""Writing sample files: the canonical CSV, or a force's own shape through its contract.

The sample's non-canonical forces are produced by inverting their contracts (column names,
code mappings, date formats, delimiter, encoding, format), so ingestion reading them back
through the same contracts is an end-to-end test of the contracts.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

from orchestration.ingest.contracts import ReadSpec

# Fixed workbook metadata keeps XLSX output byte-identical for the same seed.
_WORKBOOK_CREATED = dt.datetime(2014, 1, 1)


def _shape(spec: ReadSpec, columns: Sequence[str], records: list[dict[str, str]]) -> tuple[list[str], list[list[str]]]:
    """Rename, recode and reformat canonical records into the contract's shape."""
    mapped = [c for c in columns if c in spec.columns]
    inverse = {c: {v: k for k, v in codes.items()} for c, codes in spec.codes.items()}
    rows = []
    for record in records:
        row = []
        for c in mapped:
            value = record.get(c, "")
            if value and c in spec.formats:
                value = dt.datetime.fromisoformat(value).strftime(spec.formats[c])
            if value and c in inverse:
                value = inverse[c].get(value, value)
            row.append(value)
        rows.append(row)
    return [spec.columns[c] for c in mapped], rows


def _write_xlsx(path: Path, sheet: str | int, header: list[str], rows: list[list[str]]) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    workbook.set_properties({"created": _WORKBOOK_CREATED})
    worksheet = workbook.add_worksheet(sheet if isinstance(sheet, str) else "Sheet1")
    for r, row in enumerate([header, *rows]):
        for c, value in enumerate(row):
            if value != "":
                worksheet.write_string(r, c, value)
    workbook.close()


def write_table(folder: Path, name: str, spec: ReadSpec, columns: Sequence[str],
                records: list[dict[str, str]]) -> Path:
    """Write one file named `name` in `folder`, in the shape `spec` describes."""
    header, rows = _shape(spec, columns, records)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if spec.format == "xlsx":
        _write_xlsx(path, spec.sheet, header, rows)
    elif spec.format == "jsonl":
        with path.open("w", encoding="utf-8", newline="") as handle:
            for row in rows:
                record = {k: v for k, v in zip(header, row) if v != ""}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        with path.open("w", encoding=spec.encoding, newline="") as handle:
            writer = csv.writer(handle, delimiter=spec.delimiter, quotechar=spec.quote, lineterminator="\n")
            if spec.header:
                writer.writerow(header)
            writer.writerows(rows)
    return path
