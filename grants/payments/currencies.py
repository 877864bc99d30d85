"""Currencies a stipend can be paid in: the ISO 4217 codes (from pycountry), without the codes that are
not money (precious metals, bond units, test and "no currency" codes)."""

from __future__ import annotations

from functools import cache

import pycountry

NOT_MONEY = {"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"}


@cache
def currency_choices() -> list[tuple[str, str]]:
    """(code, "EUR — Euro") for every ISO 4217 currency, by code."""
    return sorted((c.alpha_3, f"{c.alpha_3} — {c.name}") for c in pycountry.currencies if c.alpha_3 not in NOT_MONEY)


def normalise_currency(text: str) -> str | None:
    """The ISO 4217 code for what a person typed ("eur", " EUR "), or None when it is not one."""
    code = (text or "").strip().upper()
    return code if code in dict(currency_choices()) else None
