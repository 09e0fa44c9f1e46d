"""Source health (crawler/health.py): flags against a source's own history, `sources health`,
and the exit code of `run` when a source is flagged (issue 11, defect 6)."""

from __future__ import annotations

from edualliance.crawler.health import RunOfSource, judge


def ran(listed: int, *, new: int = 0, failures: int = 0, starts: int = 1) -> RunOfSource:
    return RunOfSource(0, None, listed, new, failures, 1, failures, starts)


def test_defect6_a_fall_against_the_sources_own_median_is_flagged_not_only_zero():
    assert any(f.startswith("fell") for f in judge([ran(11), ran(12), ran(10)], ran(1), ever_stored=True))
    assert not judge([ran(11), ran(12), ran(10)], ran(9), ever_stored=True)
    assert not judge([ran(2), ran(3)], ran(1), ever_stored=True), "a small source varies by chance"
    assert judge([ran(2), ran(3)], ran(0), ever_stored=True), "… but silence is silence"


def test_defect6_unreachable_and_never_yielded_are_flagged_from_the_first_run():
    assert any(f.startswith("unreachable") for f in judge([], ran(0, failures=2, starts=2), ever_stored=False))
    assert not any(f.startswith("unreachable") for f in judge([], ran(5, failures=1, starts=2), ever_stored=True))
    assert any(f.startswith("never yielded") for f in judge([], ran(0), ever_stored=False))
    assert any(f.startswith("never yielded") for f in judge([ran(0), ran(0)], ran(0), ever_stored=False))
    assert not judge([ran(0)], ran(0), ever_stored=True)
