"""The simkit command: real output, files written, one-line errors with exit code 2."""

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from simkit.analysis.summary import HEADLINE, run_summary
from simkit.cli import app
from simkit.engine.model import simulate
from simkit.engine.scenario import default_scenario, load_scenario
from simkit.io.files import save_scenario
from simkit.ui.server import port_free
from tests.helpers import alive, descendants, wait_until

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
    assert HEADLINE["logo_retention"] in result.output
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
    assert HEADLINE["nrr"] in result.output and " ±" in result.output  # mean ±half-width
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


# ------------------------------------------------------------------ a manager's command line
EXAMPLE_BOOK = Path(__file__).resolve().parents[1] / "examples" / "portfolio.csv"
ENTRY = "import sys; from simkit.cli import app; sys.argv[0] = 'simkit'; app()"


def test_strategies_lists_every_built_in_on_one_line_each():
    result = runner.invoke(app, ["strategies"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    for name in ("reactive", "key_account_focus", "customer_success", "proactive_check_ins"):
        (line,) = [x for x in lines if x.startswith(name + " ")]
        assert len(line.split()) > 4  # a description follows the name
    assert "(or cs)" in result.output
    listed = json.loads(runner.invoke(app, ["strategies", "--json"]).output)
    assert [s["name"] for s in listed][0] == "reactive" and listed[2]["aliases"] == ["cs"]


def test_run_takes_the_scenario_from_flags_and_prints_json(short_scenario):
    args = ["run", "-s", str(short_scenario), "--strategy", "cs", "--seed", "3", "--years", "0.5"]
    args += ["--managers", "2", "--set", "team.cost_per_hour=90", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["strategy"], data["years"], data["replications"]) == ("customer_success", 0.5, [0])
    figures = {f["metric"]: f for f in data["summary"]}
    assert figures["revenue"]["mean"] > 0 and figures["revenue"]["ci_low"] is None
    # the flags changed the scenario the way the same fields in a file would
    sc = load_scenario(short_scenario).update(
        {"seed": 3, "horizon_years": 0.5, "team.managers": 2, "team.cost_per_hour": 90.0}
    )
    expected = run_summary(simulate(sc, "customer_success", 0))
    assert figures["revenue"]["mean"] == pytest.approx(expected["revenue"], rel=1e-12)
    assert figures["strategy_cost"]["mean"] == pytest.approx(expected["strategy_cost"])


def test_run_with_replications_prints_intervals_and_writes_each_run(short_scenario, tmp_path):
    out = tmp_path / "runs"
    args = ["run", "-s", str(short_scenario), "--replications", "2", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "replications 0-1" in result.output and " ±" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["replication-0", "replication-1"]
    data = json.loads(runner.invoke(app, [*args, "--json"]).output)
    revenue = next(f for f in data["summary"] if f["metric"] == "revenue")
    assert revenue["ci_low"] < revenue["mean"] < revenue["ci_high"]
    assert len(data["runs"]) == 2 and len(data["written"]) == 6


def test_compare_takes_an_imported_book(tmp_path):
    out = tmp_path / "cmp"
    args = ["compare", "--book", str(EXAMPLE_BOOK), "--managers", "3", "--seed", "7"]
    args += ["--years", "0.5", "--replications", "2", "--strategies", "reactive,cs"]
    result = runner.invoke(app, [*args, "--jobs", "1", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["scenario"].startswith("portfolio.csv: 120 accounts")
    assert data["strategies"] == ["reactive", "customer_success"]
    assert {row["strategy"] for row in data["differences"]} == {"customer_success"}
    assert sorted(p.name for p in out.iterdir()) == [
        "compare.png", "differences.csv", "runs.csv", "summary.csv"
    ]  # fmt: skip


@pytest.mark.slow
def test_the_issue_command_works_as_given(tmp_path):
    """`simkit compare --book examples/portfolio.csv --managers 3 --seed 7`, verbatim."""
    done = subprocess.run(
        [sys.executable, "-c", ENTRY, "compare", "--book", str(EXAMPLE_BOOK), "--managers", "3",
         "--seed", "7"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "portfolio.csv: 120 accounts" in done.stdout and HEADLINE["nrr"] in done.stdout
    assert (tmp_path / "simkit-out" / "summary.csv").is_file()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--set", "team.managerz=3"], "--set team.managerz=3: team.managerz: unknown field"),
        (["--set", "team.managers=0"], "team.managers: must be >= 1"),
        (["--set", "team.managers=four"], "team.managers: input should be a valid integer"),
        (["--set", "horizon_years=true"], "horizon_years: input should be a valid number"),
        (["--set", "team.managers"], "write FIELD=VALUE"),
        (["--set", "=3"], "write FIELD=VALUE"),
        (["--set", "team..managers=3"], "write FIELD=VALUE"),
        (["--managers", "3", "--set", "team.managers=4"], "team.managers is given twice"),
        (["--years", "-1"], "--years: horizon_years: must be > 0"),
        (["--years", "nan"], "horizon_years"),
        (["--as-of", "2026-01-01"], "--as-of goes with --book"),
        (["--book", "no-such.csv"], "no-such.csv"),
        (["--time-limit", "0"], "--time-limit"),
        (["--time-limit", "0.001"], "strategy 'reactive', replication 0: the run took longer"),
        (["--strategy", "magic"], "unknown strategy 'magic'"),
    ],
)
def test_bad_flags_are_one_line_exit_2(args, needle):
    result = runner.invoke(app, ["run", *args])
    assert result.exit_code == 2, result.output
    text = result.output.strip()
    assert needle in text and "Traceback" not in text
    assert len(text.splitlines()) == 1 or text.startswith("Usage")  # typer's own range check


def test_a_sweep_flag_may_not_fight_the_grid(tmp_path):
    grid = tmp_path / "grid.toml"
    grid.write_text('strategies = ["reactive"]\n[grid]\n"team.managers" = [2, 3]\n')
    result = runner.invoke(
        app, ["sweep", str(grid), "--managers", "4", "-o", str(tmp_path / "s.csv")]
    )
    assert result.exit_code == 2
    assert "--managers: the sweep's grid already varies team.managers" in result.output


def test_sweep_takes_the_scenario_flags(tmp_path):
    grid = tmp_path / "grid.toml"
    grid.write_text(
        'strategies = ["reactive"]\nreplications = 1\n[grid]\n"team.managers" = [2, 3]\n'
    )
    out = tmp_path / "s.csv"
    args = ["sweep", str(grid), "-o", str(out), "--jobs", "1", "--years", "0.25", "--seed", "5"]
    args += ["--set", "portfolio.small.count=30", "--set", "portfolio.mid_market.count=10"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 2


def test_a_malformed_scheduler_is_refused_at_once(tmp_path):
    started = time.monotonic()
    result = runner.invoke(
        app, ["sweep", str(EXAMPLE_BOOK.with_name("grid.toml")), "--scheduler", "garbage://",
              "-o", str(tmp_path / "s.csv")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: scheduler 'garbage://' is not a Dask scheduler address; give one such as "
        "tcp://127.0.0.1:8786"
    )
    assert time.monotonic() - started < 2 and not (tmp_path / "s.csv").exists()


# ------------------------------------------------------------------ signals and pipes


linux = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

BUSY = ["--replications", "40", "--jobs", "2", "--no-progress", "--years", "3"]
"""Enough work for two workers to be busy for a while."""


def _start(args: list[str], cwd: Path) -> tuple[subprocess.Popen, set[int]]:
    """Start the CLI in its own session (as a terminal job is) and wait for its workers."""
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, *args], cwd=cwd, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    if not wait_until(lambda: len(descendants(proc.pid)) >= 2, 60):
        proc.kill()
        pytest.fail(f"no workers started: {proc.communicate(timeout=30)}")
    return proc, descendants(proc.pid)


@linux
@pytest.mark.parametrize(
    ("command", "how", "code", "message"),
    [
        (["compare", *BUSY], signal.SIGTERM, 143, "terminated"),
        (["compare", *BUSY], signal.SIGINT, 130, "interrupted"),
        (["sweep", str(EXAMPLE_BOOK.with_name("grid.toml")), "-o", "s.csv", "--jobs", "2",
          "--no-progress"], signal.SIGTERM, 143, "terminated"),
    ],
    ids=["compare-sigterm", "compare-ctrl-c", "sweep-sigterm"],
)  # fmt: skip
def test_a_signal_stops_the_command_and_every_worker_at_once(tmp_path, command, how, code,
                                                             message):  # fmt: skip
    proc, workers = _start(command, tmp_path)
    started = time.monotonic()
    if how == signal.SIGINT:
        os.killpg(proc.pid, how)  # Ctrl-C reaches the whole foreground job
    else:
        proc.send_signal(how)
    try:
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert time.monotonic() - started < 3, "took too long to stop"
    assert proc.returncode == code
    assert err.strip() == message  # one clean line, no traceback
    assert wait_until(lambda: not any(alive(p) for p in workers), 5), "a worker survived"


@linux
def test_compare_into_a_closed_pipe_stops_quietly_with_its_files_written(tmp_path):
    done = subprocess.run(
        f"{shlex.quote(sys.executable)} -c {shlex.quote(ENTRY)} compare --years 0.5 "
        "--replications 2 --jobs 1 --strategies reactive,cs | head -1",
        shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=300,
        executable="/bin/bash",
    )  # fmt: skip
    assert done.stdout.count("\n") == 1 and "replications" in done.stdout
    assert done.stderr == ""
    names = sorted(p.name for p in (tmp_path / "simkit-out").iterdir())
    assert names == ["compare.png", "differences.csv", "runs.csv", "summary.csv"]


@linux
@pytest.mark.slow
def test_a_killed_dashboard_takes_voila_with_it():
    """SIGKILL gives `simkit dashboard` no chance to stop Voila: Voila must go by itself."""
    from simkit.ui.server import free_port, wait_ready

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "dashboard", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    try:
        assert wait_ready(f"http://127.0.0.1:{port}/", timeout=90, process=proc)
        below = descendants(proc.pid)
        assert below, "Voila is not a child of the dashboard command"
        proc.kill()
        proc.wait(10)
        assert wait_until(lambda: not any(alive(p) for p in below), 20), "Voila outlived it"
        assert wait_until(lambda: port_free(port), 10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_sensitivity_writes_its_tables_and_tornado(tmp_path):
    out = tmp_path / "sens"
    params = "behaviour.renewal_at_50,behaviour.touch_health_gain"
    args = ["sensitivity", "--quick", "--strategies", "reactive,customer_success"]
    args += ["--parameters", params, "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table["parameter"]) == {"behaviour.renewal_at_50", "behaviour.touch_health_gain"}
    # the reactive baseline makes no touches: how much a touch helps cannot move its NRR
    touch = table[table["parameter"].eq("behaviour.touch_health_gain") & table["output"].eq("nrr")]
    assert len(touch) == 2
    assert (touch.loc[touch["strategy"] == "reactive", "effect"] == 0).all()
    assert (touch.loc[touch["strategy"] == "customer_success", "effect"] > 0).all()
    assert (out / "flips.csv").is_file() and (out / "tornado-customer_success.png").is_file()


def test_sensitivity_refuses_a_bad_method_in_one_line():
    result = runner.invoke(app, ["sensitivity", "--method", "guess"])
    assert result.exit_code == 2
    assert "--method must be morris or oat" in result.output


def test_sweep_takes_your_own_book_and_remembers_it(tmp_path):
    grid = tmp_path / "grid.toml"
    grid.write_text(
        'replications = 1\nstrategies = ["reactive"]\n[grid]\n"team.managers" = [2, 3]\n'
    )
    out = tmp_path / "runs.csv"
    book = Path(__file__).resolve().parents[1] / "examples" / "portfolio.csv"
    args = ["sweep", str(grid), "--book", str(book), "--years", "0.5", "-o", str(out)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    runs = pd.read_csv(out)
    assert len(runs) == 2 and set(runs["team.managers"]) == {2, 3}
    # the book's accounts, not the sampled 500: the run starts with the book's clients
    assert runs["accounts_start"].max() < 500
    # the same file cannot be resumed for the sampled book: it is a different sweep
    other = runner.invoke(app, ["sweep", str(grid), "--years", "0.5", "-o", str(out)])
    assert other.exit_code == 2


def test_sweep_json_is_machine_readable(tmp_path):
    grid = tmp_path / "grid.toml"
    grid.write_text('replications = 1\nstrategies = ["reactive"]\n[grid]\n"team.managers" = [2]\n')
    result = runner.invoke(
        app, ["sweep", str(grid), "--years", "0.5", "--json", "-o", str(tmp_path / "r.csv")]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["runs"]) == 1 and data["runs"][0]["strategy"] == "reactive"
    assert data["runs"][0]["team.managers"] == 2
