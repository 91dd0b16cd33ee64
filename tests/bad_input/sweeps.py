"""Bad sweeps: sweep files, sweep calls, and saved sweeps cut off or edited before a resume."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from simkit.engine.scenario import Scenario, default_scenario
from simkit.experiments.store import sidecar_path
from simkit.experiments.sweep import load_sweep_spec, sweep
from tests.bad_input import case

# == sweep files and sweeps ===============================================================
SPEC = """strategies = ["reactive"]
replications = 1
[scenario]
horizon_years = 0.25
warmup_years = 0.0
[scenario.portfolio.key]
count = 1
[scenario.portfolio.enterprise]
count = 2
[scenario.portfolio.mid_market]
count = 4
[scenario.portfolio.small]
count = 6
[scenario.pipeline]
prospects_per_month = 1.0
[grid]
"team.managers" = [1, 2]
"""


def spec_with(grid: str = '"team.managers" = [1, 2]', head: str = "") -> str:
    return head + SPEC.replace('"team.managers" = [1, 2]', grid)


SWEEP_FILES: list[tuple[str, str, str]] = [
    ("unknown key", "grids = 3\n" + SPEC, "unknown key 'grids'"),
    ("grid is not a table", "grid = 3\n" + SPEC.split("[grid]")[0], "grid: must be a table"),
    ("grid value is not a list", spec_with('"team.managers" = 3'), "give a list of values"),
    ("empty list", spec_with('"team.managers" = []'), "the list of values is empty"),
    ("nan value", spec_with('"team.managers" = [nan]'), "team.managers: must be a finite number"),
    ("true value", spec_with('"team.managers" = [true]'), "not true/false"),
    ("text value", spec_with('"team.managers" = ["4"]'), "not text"),
    ("list value", spec_with('"team.managers" = [[1, 2]]'), "values must be numbers, text"),
    ("unknown field", spec_with('"team.managerz" = [1]'), "did you mean 'managers'"),
    ("seed", spec_with('"seed" = [1, 2]'), "grid seed: cannot be swept"),
    ("name", spec_with('"name" = ["a"]'), "grid name: cannot be swept"),
    ("repeated value", spec_with('"team.managers" = [2, 2.0]'), "a value is repeated"),
    ("1,001 values", spec_with('"team.managers" = [' + ", ".join(map(str, range(1, 1002))) + "]"),
     "1,001 values, more than 1,000"),
    ("replications = 0", SPEC.replace("replications = 1", "replications = 0"),
     "replications: must be a whole number >= 1"),
    ("replications = true", SPEC.replace("replications = 1", "replications = true"),
     "replications: must be a whole number >= 1"),
    ('replications = "5"', SPEC.replace("replications = 1", 'replications = "5"'),
     "replications: must be a whole number >= 1"),
    ("strategies = 3", SPEC.replace('strategies = ["reactive"]', "strategies = 3"),
     "strategies: must be a list of strategy names"),
    ("scenario = 3",
     "scenario = 3\n" + SPEC.split("[scenario]")[0] + '[grid]\n"team.managers" = [1]\n',
     "scenario: give a scenario file name or a [scenario] table"),
    ("scenario file missing", 'scenario = "nope.toml"\n' + SPEC.split("[scenario]")[0],
     "no such scenario file"),
    ("bad scenario value", SPEC.replace("horizon_years = 0.25", "horizon_years = nan"),
     "scenario: horizon_years: must be a finite number"),
    ("duplicate key", SPEC.replace("replications = 1", "replications = 1\nreplications = 2"),
     "not valid TOML"),
    ("nested 5,000 deep", "replications = " + "[" * 5000 + "]" * 5000 + "\n", "nested more than"),
    ("binary", "\x00\x01", "binary data"),
]  # fmt: skip
for name, text, words in SWEEP_FILES:
    case("sweep file", name, "grid.toml: ", words, run=lambda: load_sweep_spec("grid.toml"),
         files=(("grid.toml", text),))  # fmt: skip
case("sweep file", "YAML sweep file", "grid.yaml: sweep files must end in .toml",
     run=lambda: load_sweep_spec("grid.yaml"),
     files=(("grid.yaml", "strategies: [x]\n"),))  # fmt: skip
case("sweep file", "missing", "nope.toml: no such sweep file",
     run=lambda: load_sweep_spec("nope.toml"))  # fmt: skip
case("sweep file", "folder", "grid.toml: is a folder", run=lambda: load_sweep_spec("grid.toml"),
     files=(("grid.toml/x", ""),))  # fmt: skip


def small() -> Scenario:
    """The scenario of :data:`SPEC` (a few accounts, a quarter of a year)."""
    return default_scenario().update(
        {
            "horizon_years": 0.25,
            "warmup_years": 0.0,
            "portfolio.key.count": 1,
            "portfolio.enterprise.count": 2,
            "portfolio.mid_market.count": 4,
            "portfolio.small.count": 6,
            "pipeline.prospects_per_month": 1.0,
        }
    )


BIG_GRID = {"team.managers": list(range(1, 401))}
for name, call, words in [
    ("4,000 runs unconfirmed (issue 17)",
     lambda: sweep(small(), BIG_GRID, ["reactive", "proactive"], 5, path="runs.csv"),
     "this sweep is 4,000 runs (400 grid points x 2 strategies x 5 replications)"),
    ("a million and one runs, confirmed",
     lambda: sweep(small(), {"team.managers": list(range(1, 1001)),
                             "team.hours_per_week": list(range(1, 81))},
                   ["reactive"], 13, confirm=True), "more than 1,000,000"),
    ("no strategies", lambda: sweep(small(), {}, [], 1), "at least one strategy"),
    ("replications = 0", lambda: sweep(small(), {}, ["reactive"], 0), "replications must be"),
    ("replications = true", lambda: sweep(small(), {}, ["reactive"], True), "replications must be"),
    ("grid is a list", lambda: sweep(small(), [1, 2], ["reactive"], 1), "grid must be a mapping"),
    ("unknown strategy", lambda: sweep(small(), {}, ["psychic"], 1), "psychic"),
    ("results to .xlsx", lambda: sweep(small(), {}, ["reactive"], 1, path="r.xlsx"),
     ".csv or .parquet"),
]:  # fmt: skip
    case("sweep call", name, words, run=call)


# == saved sweeps (issue 17, item 6) ======================================================
def resume() -> object:
    spec = load_sweep_spec("grid.toml")
    return sweep(spec.scenario, spec.grid, spec.strategies, spec.replications, jobs=1,
                 path="runs.csv")  # fmt: skip


def edit(
    change: Callable[[list[str]], list[str]] | None = None, raw: Callable[[str], str] | None = None
):
    """Change the saved runs.csv, line by line (``change``) or as a whole (``raw``)."""

    def damage() -> None:
        text = Path("runs.csv").read_text()
        if raw is not None:
            text = raw(text)
        if change is not None:
            text = "\n".join(change(text.rstrip("\n").split("\n"))) + "\n"
        Path("runs.csv").write_text(text)

    return damage


def cell(column: str, value: str, line: int = 2) -> Callable[[list[str]], list[str]]:
    def change(lines: list[str]) -> list[str]:
        header = lines[0].split(",")
        cells = lines[line].split(",")
        cells[header.index(column)] = value
        lines[line] = ",".join(cells)
        return lines

    return change


def _side(change: Callable[[dict], object]) -> Callable[[], None]:
    def damage() -> None:
        side = sidecar_path("runs.csv")
        data = json.loads(side.read_text())
        side.write_text(json.dumps(change(data)))

    return damage


SAVED: list[tuple[str, Callable[[], None], tuple[str, ...]]] = [
    ("cut mid-line (issue 17)", edit(raw=lambda t: t[:-40]), ("row 3: the last row is cut off",)),
    ("cut in the last cell", edit(raw=lambda t: t[:-2]), ("row 3: the last row is cut off",)),
    ("short row", edit(lambda ls: ls[:2] + [",".join(ls[2].split(",")[:-3])]),
     ("row 3: ", "values, but the header has")),
    ("empty figure", edit(cell("revenue", "")), ("row 3: column revenue is empty",)),
    ("empty grid value", edit(cell("team.managers", "")),
     ("row 3: column team.managers is empty",)),
    ("text figure", edit(cell("revenue", "lots")), ("row 3: revenue = 'lots' is not a finite",)),
    ("infinite figure", edit(cell("revenue", "inf")), ("row 3: revenue = inf is not a finite",)),
    ("-inf figure", edit(cell("nrr", "-inf")), ("row 3: nrr = -inf is not a finite",)),
    ("true/false figure", edit(cell("grr", "True")), ("row 3: grr = 'True' is not a finite",)),
    ("duplicate run", edit(lambda ls: [*ls, ls[1]]),
     ("row 4 repeats the run of row 2",)),
    ("grid value not in the grid", edit(cell("team.managers", "7")),
     ("row 3: team.managers = 7 is not a value of this sweep's grid",)),
    ("unknown strategy", edit(cell("strategy", "psychic")),
     ("row 3: strategy 'psychic' is not one of this sweep's",)),
    ("replication 1.5", edit(cell("replication", "1.5")),
     ("row 3: replication 1.5 is not a whole",)),
    ("replication -1", edit(cell("replication", "-1")), ("row 3: replication -1 is not a whole",)),
    ("replication nan", edit(cell("replication", "nan")),
     ("row 3: replication nan is not a whole",)),
    ("missing column", edit(lambda ls: [",".join(x.split(",")[:-1]) for x in ls]),
     ("the saved sweep lacks column(s)",)),
    ("extra column", edit(lambda ls: [ls[0] + ",bonus"] + [x + ",1" for x in ls[1:]]),
     ("unexpected or repeated column(s) ['bonus']",)),
    ("repeated column", edit(lambda ls: [ls[0] + ",grr"] + [x + ",1" for x in ls[1:]]),
     ("unexpected or repeated column(s) ['grr']",)),
    ("renamed column", edit(lambda ls: [ls[0].replace("nrr", "grr")] + ls[1:]),
     ("lacks column(s) ['nrr']",)),
    ("blank line", edit(lambda ls: [ls[0], "", *ls[1:]]), ("row 2: 0 values",)),
    ("unbalanced quote", edit(lambda ls: [*ls[:2], '"' + ls[2]]), ("runs.csv: ",)),
    ("emptied", edit(raw=lambda t: ""), ("the saved sweep is empty",)),
    ("binary", edit(raw=lambda t: "\x00" * 10 + "\n"), ("the saved sweep is empty or not text",)),
    ("sidecar missing", lambda: sidecar_path("runs.csv").unlink(),
     ("was not written by a simkit sweep",)),
    ("sidecar garbage", lambda: sidecar_path("runs.csv").write_text("{not json"),
     ("runs.csv.sweep.json: not a readable sweep description",)),
    ("sidecar of an old format", _side(lambda d: {**d, "version": 1}),
     ("saved in another sweep file format (1, now 2)",)),
    ("sidecar of another sweep", _side(lambda d: {**d, "digest": "0" * 20}),
     ("holds results of a different sweep",)),
]  # fmt: skip
for name, damage, fragments in SAVED:
    case("saved sweep", name, "runs.csv", *fragments, run=resume, saved_sweep=True,
         damage=damage)  # fmt: skip
    if name in ("cut mid-line (issue 17)", "empty figure", "duplicate run", "missing column"):
        case("command line", f"sweep resume: {name}", "runs.csv", *fragments, saved_sweep=True,
             damage=damage,
             cli=("sweep", "grid.toml", "-o", "runs.csv", "--jobs", "1"))  # fmt: skip
