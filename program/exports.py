"""Safe spreadsheet exports: every app's CSV/XLSX goes through `neutralise`."""

from __future__ import annotations

import csv
import io

import pandas as pd


def neutralise(value):
    """Spreadsheet formula injection: a cell starting with = + - @ (or a tab/CR) is made plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_bytes(table: pd.DataFrame) -> bytes:
    out = io.StringIO()
    table.map(neutralise).to_csv(out, index=False, quoting=csv.QUOTE_MINIMAL)
    return out.getvalue().encode("utf-8")


def csv_response(table: pd.DataFrame, filename: str):
    """A CSV download of a table, formula cells neutralised."""
    from django.http import HttpResponse  # noqa: PLC0415

    response = HttpResponse(csv_bytes(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
