"""Bad input on the command line: one line on stderr, exit code 2, no output file left behind."""

from __future__ import annotations

from tests.bad_input import AS_OF, case
from tests.bad_input.accounts import GOOD_ROW, HEADER, csv_text
from tests.bad_input.scenarios import laughs
from tests.bad_input.sweeps import SPEC, spec_with

# == the command line =====================================================================
Files = tuple[tuple[str, str | bytes], ...]
CLI_CASES: list[tuple[str, tuple[str, ...], Files, tuple[str, ...]]] = [
    ("run --scenario billion laughs (issue 17)", ("run", "--scenario", "s.yaml"),
     (("s.yaml", laughs(9)),), ("s.yaml: not valid YAML", "aliases expand")),
    ("compare --scenario nested 5,000 deep", ("compare", "--scenario", "s.toml"),
     (("s.toml", "x = " + "[" * 5000 + "]" * 5000),), ("s.toml: not valid TOML: nested",)),
    ("scenario validate nested YAML (issue 17)", ("scenario", "validate", "s.yaml"),
     (("s.yaml", "x: " + "[" * 5000 + "]" * 5000),), ("s.yaml: not valid YAML", "nested")),
    ("scenario validate 100k name", ("scenario", "validate", "s.yaml"),
     (("s.yaml", "name: " + "a" * 100_000),), ("name: must be at most 200",)),
    ("scenario validate managers: true", ("scenario", "validate", "s.yaml"),
     (("s.yaml", "team:\n  managers: true\n"),), ("team.managers", "not true/false")),
    ("scenario validate mix = nan", ("scenario", "validate", "s.toml"),
     (("s.toml", "[pipeline.segment_mix]\nkey = nan\n"),), ("segment_mix.key", "finite")),
    ("scenario validate duplicate key", ("scenario", "validate", "s.yaml"),
     (("s.yaml", "seed: 1\nseed: 2\n"),), ("duplicate key 'seed'",)),
    ("scenario show folder", ("scenario", "show", "s.toml"), (("s.toml/x", ""),),
     ("s.toml: is a folder",)),
    ("import ,,, (issue 17)", ("import", "c.csv"), (("c.csv", ",,,\n,,,\n"),),
     ("c.csv: the file has only empty cells",)),
    ("import empty", ("import", "c.csv"), (("c.csv", ""),), ("c.csv: the file is empty",)),
    ("import binary", ("import", "c.csv"), (("c.csv", b"\x00\x01\x02"),), ("c.csv: ",)),
    ("import folder", ("import", "c.csv"), (("c.csv/x", ""),), ("c.csv: is a folder",)),
    ("import missing", ("import", "nope.csv"), (), ("nope.csv: no such file",)),
    ("import --as-of 2027", ("import", "c.csv", "--as-of", "2027"),
     (("c.csv", HEADER + csv_text([GOOD_ROW]).split("\n", 1)[1]),), ("as_of must be a date",)),
    ("import --as-of 20270331", ("import", "c.csv", "--as-of", "20270331"),
     (("c.csv", HEADER + csv_text([GOOD_ROW]).split("\n", 1)[1]),), ("as_of must be a date",)),
    ("sweep nested file", ("sweep", "grid.toml"),
     (("grid.toml", "x = " + "[" * 5000 + "]" * 5000),), ("grid.toml: not valid TOML",)),
    ("sweep 4,000 runs without --yes (issue 17)", ("sweep", "grid.toml", "-o", "runs.csv"),
     (("grid.toml", spec_with('"team.managers" = [' + ", ".join(map(str, range(1, 401)))
                              + "]").replace("replications = 1", "replications = 10")),),
     ("4,000 runs", "--yes")),
    ("sweep -o runs.xlsx", ("sweep", "grid.toml", "-o", "runs.xlsx"), (("grid.toml", SPEC),),
     ("runs.xlsx: the sweep results must be a .csv, .parquet or .pq file",)),
    ("sweep -o into a file", ("sweep", "grid.toml", "-o", "f/runs.csv"),
     (("grid.toml", SPEC), ("f", "x")), ("f/runs.csv: f is a file, not a folder",)),
    ("sweep -o a folder", ("sweep", "grid.toml", "-o", "runs.csv"),
     (("grid.toml", SPEC), ("runs.csv/x", "")), ("runs.csv: is a folder",)),
    ("sweep --frontier onto a folder", ("sweep", "grid.toml", "-o", "runs.csv", "--frontier"),
     (("grid.toml", SPEC), ("runs-frontier.png/x", "")), ("runs-frontier.png: is a folder",)),
    ("frontier -o f.jpg (issue 17)", ("frontier", "runs.csv", "-o", "f.jpg"),
     (("runs.csv", "a,b\n1,2\n"),), ("f.jpg: the figure must be a .png, .svg or .pdf file",)),
    ("frontier -o f.gif", ("frontier", "runs.csv", "-o", "out/f.gif"),
     (("runs.csv", "a,b\n1,2\n"),), ("out/f.gif: the figure must be",)),
    ("frontier -o a folder", ("frontier", "runs.csv", "-o", "f.png"),
     (("runs.csv", "a,b\n1,2\n"), ("f.png/x", "")), ("f.png: is a folder",)),
    ("frontier table onto a folder", ("frontier", "runs.csv", "-o", "f.png"),
     (("runs.csv", "a,b\n1,2\n"), ("f.csv/x", "")), ("f.csv: is a folder",)),
    ("frontier -o into a file", ("frontier", "runs.csv", "-o", "g/f.png"),
     (("runs.csv", "a,b\n1,2\n"), ("g", "x")), ("g/f.png: g is a file, not a folder",)),
    ("frontier over its own input", ("frontier", "runs.csv", "-o", "runs.png"),
     (("runs.csv", "a,b\n1,2\n"),), ("would overwrite the runs it reads",)),
    ("frontier missing input", ("frontier", "nope.csv"), (), ("nope.csv: no such file",)),
    ("frontier folder input", ("frontier", "d.csv"), (("d.csv/x", ""),), ("d.csv: is a folder",)),
    ("frontier .txt input", ("frontier", "runs.txt"), (("runs.txt", "a\n"),),
     ("runs.txt: read a .csv or .parquet file",)),
    ("frontier empty input", ("frontier", "runs.csv", "-o", "f.png"), (("runs.csv", ""),),
     ("runs.csv: cannot read the runs",)),
    ("frontier broken parquet", ("frontier", "runs.parquet", "-o", "f.png"),
     (("runs.parquet", b"PAR1garbage"),), ("runs.parquet: cannot read the runs",)),
]  # fmt: skip
for name, args, files, fragments in CLI_CASES:
    case("command line", name, *fragments, cli=args, files=files)
for column, value in (("contract_end", "2999-01-01"), ("arr", "1e308"), ("segment", "gold")):
    text = csv_text([GOOD_ROW, {**GOOD_ROW, "account_id": "A2", column: value}])
    case("command line", f"import {column}={value}", f"row 3, column {column}: ",
         cli=("import", "c.csv", "--as-of", AS_OF), files=(("c.csv", text),), lines=2)  # fmt: skip
