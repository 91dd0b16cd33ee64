"""The simkit command: real output, files written, one-line errors with exit code 2."""

import pytest
from typer.testing import CliRunner

from simkit.cli import app
from simkit.engine.scenario import default_scenario
from simkit.io.files import save_scenario

runner = CliRunner()


@pytest.fixture
def short_scenario(tmp_path):
    return save_scenario(
        default_scenario().update(
            {"horizon_years": 1, "portfolio.small.count": 60, "portfolio.mid_market.count": 40}
        ),
        tmp_path / "short.toml",
    )


def test_run_prints_headline_figures_and_writes_files(short_scenario, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", "-s", str(short_scenario), "--strategy", "cs", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "strategy: customer_success" in result.output
    assert "Logo retention (%/yr)" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["accounts.csv", "events.csv", "snapshots.csv"]


def test_compare_prints_cis_for_every_strategy_and_writes_csv_and_png(short_scenario, tmp_path):
    out = tmp_path / "cmp"
    result = runner.invoke(
        app,
        [
            "compare",
            "-s",
            str(short_scenario),
            "--replications",
            "2",
            "--jobs",
            "1",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("reactive", "key_account_focus", "customer_success", "proactive_check_ins"):
        assert name in result.output
    assert "NRR (%/yr)" in result.output and " ±" in result.output  # mean ±half-width
    names = sorted(p.name for p in out.iterdir())
    assert names == ["compare.png", "differences.csv", "runs.csv", "summary.csv"]
    assert (out / "compare.png").read_bytes()[:4] == b"\x89PNG"


def test_scenario_show_and_validate(short_scenario):
    shown = runner.invoke(app, ["scenario", "show"])
    assert shown.exit_code == 0 and "[team]" in shown.output
    ok = runner.invoke(app, ["scenario", "validate", str(short_scenario)])
    assert ok.exit_code == 0 and "valid" in ok.output


@pytest.mark.parametrize(
    ("args", "content", "needle"),
    [
        (["scenario", "validate"], "[team]\nmanagers = 0\n", "team.managers: must be >= 1"),
        (["scenario", "validate"], "[team\n", "not valid TOML"),
        (["run", "-s"], "horizon_years = -2\n", "horizon_years: must be > 0"),
        (["run", "--strategy", "magic", "-s"], "", "unknown strategy 'magic'"),
    ],
)
def test_errors_are_one_line_exit_2_no_traceback(tmp_path, args, content, needle):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    result = runner.invoke(app, [*args, str(path)])
    assert result.exit_code == 2
    text = result.output.strip()
    assert needle in text and "Traceback" not in text
    assert len(text.splitlines()) == 1


def test_missing_file_is_a_clean_error(tmp_path):
    result = runner.invoke(app, ["scenario", "validate", str(tmp_path / "none.toml")])
    assert result.exit_code == 2 and "no such scenario file" in result.output
