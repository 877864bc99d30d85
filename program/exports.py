"""The one way out for spreadsheets: every CSV and XLSX that Runway writes goes through here.

Each cell (and each column name) that starts with = + - @, a tab or a CR is made plain text with a
leading apostrophe, so a spreadsheet never runs what an applicant typed (formula injection, OWASP).
Columns keep the order the caller's table gives; the file name is cleaned for Content-Disposition.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
from django.http import HttpResponse

from .text import clean_filename

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    """Spreadsheet formula injection: a text cell starting with = + - @ (or a tab/CR) is made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The table with every text cell and column name neutralised (numbers stay numbers)."""
    out = table.map(neutralise) if len(table.columns) else table.copy()
    out.columns = [neutralise(str(c)) for c in table.columns]
    return out


def csv_bytes(table: pd.DataFrame) -> bytes:
    out = io.StringIO()
    safe_frame(table).to_csv(out, index=False, quoting=csv.QUOTE_MINIMAL)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(table: pd.DataFrame, sheet: str = "Sheet1") -> bytes:
    buffer = io.BytesIO()
    safe_frame(table).to_excel(buffer, index=False, sheet_name=clean_filename(sheet)[:31])
    return buffer.getvalue()


def download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    """Any exported file as an attachment: a cleaned file name and nosniff."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{clean_filename(filename)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def csv_response(table: pd.DataFrame, filename: str) -> HttpResponse:
    """A CSV download of a table, formula cells neutralised."""
    return download(csv_bytes(table), "text/csv; charset=utf-8", filename)


def xlsx_response(table: pd.DataFrame, filename: str, sheet: str = "Sheet1") -> HttpResponse:
    """An XLSX download of a table, formula cells neutralised (openpyxl would store "=…" as a formula)."""
    return download(xlsx_bytes(table, sheet), XLSX_TYPE, filename)


def table_response(table: pd.DataFrame, filename: str, fmt: str, sheet: str = "Sheet1") -> HttpResponse:
    """`csv_response` or `xlsx_response` by format; `filename` is given without its extension."""
    if fmt == "xlsx":
        return xlsx_response(table, f"{filename}.xlsx", sheet)
    return csv_response(table, f"{filename}.csv")
