from collections import Counter

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from applications.review.assignment import plan
from applications.review.scoring import calibrated_scores


@given(
    n_apps=st.integers(1, 40),
    n_reviewers=st.integers(1, 12),
    k=st.integers(1, 4),
    seed=st.integers(0, 5),
    data=st.data(),
)
@hsettings(max_examples=150, deadline=None)
def test_plan_never_breaks_a_rule_and_balances_load(n_apps, n_reviewers, k, seed, data):
    reviewers = [f"r{i}" for i in range(n_reviewers)]
    # Some applicants are also reviewers (self-review must never happen).
    applications = [(f"a{i}", reviewers[i % n_reviewers] if i % 5 == 0 else f"p{i}") for i in range(n_apps)]
    conflicts = set(
        data.draw(
            st.sets(st.tuples(st.sampled_from([a for a, _ in applications]), st.sampled_from(reviewers)), max_size=10)
        )
    )

    result = plan(applications, reviewers, k, conflicts=conflicts, seed=seed)

    applicant = dict(applications)
    assert all(applicant[a] != r for a, r in result.pairs)
    assert not set(result.pairs) & conflicts
    assert len(set(result.pairs)) == len(result.pairs)
    per_app = Counter(a for a, _ in result.pairs)
    for app, _ in applications:
        eligible = sum(1 for r in reviewers if r != applicant[app] and (app, r) not in conflicts)
        assert per_app[app] == min(k, eligible)
        assert result.shortfall.get(app, 0) == k - min(k, eligible)


@given(n_apps=st.integers(1, 60), n_reviewers=st.integers(1, 10), k=st.integers(1, 3))
@hsettings(max_examples=100, deadline=None)
def test_plan_without_constraints_is_balanced_within_one(n_apps, n_reviewers, k):
    reviewers = list(range(n_reviewers))
    k = min(k, n_reviewers)

    result = plan([(f"a{i}", f"p{i}") for i in range(n_apps)], reviewers, k)

    load = Counter(r for _, r in result.pairs)
    counts = [load.get(r, 0) for r in reviewers]
    assert max(counts) - min(counts) <= 1


def test_plan_tops_up_existing_assignments_and_counts_existing_load():
    result = plan([("a1", "p1"), ("a2", "p2")], ["r1", "r2", "r3"], 2, existing={"a1": {"r1"}}, load={"r1": 5})

    # a1 needs one more (not r1 again); a2 needs two, and r1 is busiest, so r2 and r3 take them.
    assert sorted(r for a, r in result.pairs if a == "a2") == ["r2", "r3"]
    assert [r for a, r in result.pairs if a == "a1"] in (["r2"], ["r3"])


def test_calibration_undoes_a_harsh_and_a_lenient_reviewer():
    # Harsh H and lenient L each score the same three applications, keeping the same order.
    rows = [
        {"application": "x", "reviewer": "H", "total": 2.0},
        {"application": "y", "reviewer": "H", "total": 1.0},
        {"application": "z", "reviewer": "H", "total": 3.0},
        {"application": "x", "reviewer": "L", "total": 4.0},
        {"application": "y", "reviewer": "L", "total": 3.0},
        {"application": "z", "reviewer": "L", "total": 5.0},
        # w is reviewed by H only, v by L only: raw means would put v far above w.
        {"application": "w", "reviewer": "H", "total": 3.0},
        {"application": "v", "reviewer": "L", "total": 4.0},
    ]

    result = calibrated_scores(rows)

    h = pd.Series([2.0, 1.0, 3.0, 3.0])
    l_ = pd.Series([4.0, 3.0, 5.0, 4.0])
    z = lambda value, s: (value - s.mean()) / s.std(ddof=0)  # noqa: E731
    assert result.loc["w", "calibrated_z"] == pytest.approx(z(3.0, h))
    assert result.loc["v", "calibrated_z"] == pytest.approx(z(4.0, l_))
    assert result.loc["w", "calibrated_z"] > result.loc["v", "calibrated_z"]  # raw: 3 < 4
    # x got a harsh 2 and a lenient 4: a raw gap of 2 that calibration explains, so no disagreement.
    assert result.loc["x", "raw_mean"] == 3.0 and not result.loc["x", "disagreement"]
    assert list(result.sort_values("calibrated", ascending=False).index[:2]) == ["z", "w"]


def test_disagreement_flag_and_uninformative_reviewers():
    rows = [
        {"application": "a", "reviewer": "R1", "total": 1.0},
        {"application": "a", "reviewer": "R2", "total": 4.5},
        {"application": "b", "reviewer": "R3", "total": 3.0},
    ]

    result = calibrated_scores(rows, disagreement_threshold=1.5)

    assert bool(result.loc["a", "disagreement"]) is True and result.loc["a", "spread"] == 3.5
    assert bool(result.loc["b", "disagreement"]) is False
    # Every reviewer has a single review: no calibration information, z = 0.
    assert result["calibrated_z"].tolist() == [0.0, 0.0]


def test_no_reviews_gives_an_empty_frame():
    assert calibrated_scores([]).empty
