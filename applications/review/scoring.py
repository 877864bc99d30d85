"""Calibrated review scores with pandas.

A harsh reviewer's 3 can mean what a lenient reviewer's 4 means. Each review's weighted total is
turned into a z-score over that reviewer's reviews in the call (how far above or below their own
average it is, in their own standard deviations); an application's calibrated score is the mean z of
its reviews, also shown back on the 1–5 scale (call mean + z × call standard deviation) so people can
read it. A reviewer with fewer than two reviews, or who gives everyone the same score, carries no
calibration information: their z is 0. Applications whose reviews disagree strongly are flagged: a
spread of raw totals of at least `disagreement_threshold` points that calibration does not explain
(the reviews' z-scores are also at least one standard deviation apart, or a reviewer is
uninformative). A harsh 2 and a lenient 4 that mean the same thing are not a disagreement.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

COLUMNS = ["n_reviews", "raw_mean", "calibrated_z", "calibrated", "spread", "disagreement"]


def calibrated_scores(rows: Iterable[dict] | pd.DataFrame, *, disagreement_threshold: float = 1.5) -> pd.DataFrame:
    """`rows`: dicts (or a DataFrame) with application, reviewer, total. One row per application (index)."""
    if isinstance(rows, pd.DataFrame):
        frame = rows[["application", "reviewer", "total"]].copy()
    else:
        frame = pd.DataFrame(list(rows), columns=["application", "reviewer", "total"])
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS, index=pd.Index([], name="application"))
    frame["total"] = frame["total"].astype(float)
    by_reviewer = frame.groupby("reviewer")["total"]
    mean = by_reviewer.transform("mean")
    std = by_reviewer.transform("std", ddof=0)
    count = by_reviewer.transform("count")
    informative = (count >= 2) & (std > 0)
    frame["z"] = ((frame["total"] - mean) / std.where(informative, 1.0)).where(informative, 0.0)
    frame["informative"] = informative

    grouped = frame.groupby("application")
    result = pd.DataFrame(
        {
            "n_reviews": grouped["total"].count(),
            "raw_mean": grouped["total"].mean(),
            "calibrated_z": grouped["z"].mean(),
            "spread": grouped["total"].max() - grouped["total"].min(),
            "z_spread": grouped["z"].max() - grouped["z"].min(),
            "all_informative": grouped["informative"].all(),
        }
    )
    call_mean, call_std = frame["total"].mean(), frame["total"].std(ddof=0)
    result["calibrated"] = (call_mean + result["calibrated_z"] * (call_std if call_std > 0 else 0.0)).clip(1, 5)
    unexplained = (result["z_spread"] >= 1.0) | ~result["all_informative"]
    result["disagreement"] = (result["n_reviews"] >= 2) & (result["spread"] >= disagreement_threshold) & unexplained
    return result[COLUMNS]
