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


REGISTRY = """
[[source]]
name = "steady"
kind = "listing"
start_urls = ["{base}/l/start.html"]
allow = ['/a/', '/l/']
focused = false
note = "a county bureau that keeps publishing"

[[source]]
name = "fading"
kind = "listing"
start_urls = ["{base}/m/start.html"]
allow = ['/a/', '/m/']
focused = false
note = "a county bureau whose site is about to change"

[[source]]
name = "wrong-allow"
kind = "listing"
start_urls = ["{base}/l/start.html"]
allow = ['/nothing-here/']
focused = false
note = "a new entry with a typo in allow"
"""

LOOPBACK = ["--set", "DOWNLOAD_DELAY=0", "--set", "AUTOTHROTTLE_ENABLED=false", "--set", "DOWNLOAD_DELAY_JITTER=0",
            "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "--set", "RETRY_TIMES=0", "--set", "DOWNLOAD_TIMEOUT=10"]


def test_defect6_three_runs_one_source_falls_silent_run_exits_3_and_health_says_why(tmp_path):
    from click.testing import CliRunner

    from edualliance.crawler.health import EXIT_FLAGGED
    from edualliance.pipeline.cli import main

    from loopsite import LoopServer, Site, headline, list_page, listing_site

    site = Site()
    steady = listing_site(site, [headline(n) for n in range(12)], per_page=6, folder="/l/")
    fading = listing_site(site, [headline(n + 40) for n in range(8)], per_page=8, folder="/m/")
    site.resources["/l/start.html"] = site.resources[steady["lists"][0]]
    site.resources["/m/start.html"] = site.resources[fading["lists"][0]]
    registry = tmp_path / "sources.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    db = str(tmp_path / "corpus.duckdb")
    runner = CliRunner()
    with LoopServer(site) as server:
        run = ["--db", db, "run", "--sources", str(registry), "--base", server.base, "--classifier", "keywords",
               *LOOPBACK]
        codes = []
        for week in range(3):
            if week == 2:  # the fading bureau's site is rebuilt: its list page lists nothing now
                site.put("/m/start.html", list_page([], "<p>网站改版中，敬请期待</p>"))
            result = runner.invoke(main, run)
            codes.append(result.exit_code)
            outputs = result.output
        health = runner.invoke(main, ["--db", db, "sources", "health"])
    # the misconfigured entry is flagged from its first run; the fading one only when it falls
    assert codes == [EXIT_FLAGGED] * 3
    assert "never yielded" in outputs and "wrong-allow" in outputs
    assert "'fading' fell: listed 0" in outputs
    assert "'steady'" not in outputs.split("FLAG:", 1)[-1]
    assert health.exit_code == EXIT_FLAGGED
    lines = health.output.splitlines()
    fading_line = next(line for line in lines if line.startswith("fading"))
    assert "8 8 0" in fading_line and "never" not in fading_line
    steady_line = next(line for line in lines if line.startswith("steady"))
    assert "12 12 12" in steady_line and "12 0 0" in steady_line
    assert any("FLAG: fell" in line for line in lines)
    assert any("FLAG: never yielded" in line for line in lines)
    print(health.output)  # the transcript for the closing note (pytest -s)


def test_sources_check_says_which_answer_and_what_the_crawler_sees_there(tmp_path):
    from click.testing import CliRunner

    from edualliance.pipeline.cli import main

    from loopsite import LoopServer, Site, headline, listing_site

    site = Site()
    built = listing_site(site, [headline(n) for n in range(12)], per_page=6, folder="/l/")
    site.resources["/l/start.html"] = site.resources[built["lists"][0]]
    registry = tmp_path / "sources.toml"
    registry.write_text(REGISTRY.replace('focused = false\nnote = "a county bureau whose',
                                         'focused = false\nenabled = false\nnote = "a county bureau whose'),
                        encoding="utf-8")
    with LoopServer(site) as server:
        result = CliRunner().invoke(main, ["sources", "check", "--sources", str(registry), "--base", server.base])
    assert result.exit_code == 1, result.output  # fading's /m/start.html does not exist
    lines = result.output.splitlines()
    assert any(line.startswith("ok   steady: ") for line in lines)
    assert any(line.startswith("FAIL fading (disabled): ") and "HTTP 404" in line for line in lines)
    layouts = [line.strip() for line in lines if "layout:" in line]
    assert layouts[0].startswith("layout: 7 link(s) in scope (")  # 6 articles and the next list page
    assert "pager: 1 other page(s)" in layouts[0]
    assert layouts[1].startswith("layout: 0 link(s) in scope"), "wrong-allow: visible before its first run"


def test_the_flagged_exit_code_is_the_weekly_jobs():
    from edualliance.crawler.health import EXIT_FLAGGED
    from edualliance.pipeline.job import EXIT_SOURCE_FLAGGED

    assert EXIT_FLAGGED == EXIT_SOURCE_FLAGGED == 3
