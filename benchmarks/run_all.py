"""Run every benchmark and add a dated section to ``benchmarks/results.md``.

    python benchmarks/run_all.py                      # everything (make bench)
    python benchmarks/run_all.py engine scaling       # only bench_engine.py and bench_scaling.py
    python benchmarks/run_all.py --against cc44f58    # bench_engine.py also times that commit
    python benchmarks/run_all.py --quick              # no 100k run at all; 10 workshop teams
    python benchmarks/run_all.py --full               # also the single-process 100k runs

Each ``bench_*.py`` runs in its own process. Figures come from the ``RESULT {json}`` line a
benchmark prints (see ``common.py``); benchmarks without one are reported by their printed
output. The new section says when and on what machine (cores, CPU, load average) the figures
were measured and which targets were met. It goes at the top of ``results.md``; the sections
of earlier runs stay below it, unchanged, so the file is the history of the measurements.
The file is written atomically.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

from common import machine

from simkit.io.files import atomic_write_text

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"
TIMEOUT = 3600
TITLE = "# Benchmark results"
INTRO = (
    "Newest run first. Each run of `make bench` (`benchmarks/run_all.py`) adds its dated\n"
    "section at the top and keeps the earlier ones below it unchanged. What each benchmark\n"
    "measures, how, and what the figures mean is in `benchmarks/README.md`."
)
MARK = "<!-- run_all.py adds each new run below this line; earlier runs follow, unchanged -->"


def run(script: Path, args: list[str]) -> dict:
    """Run one benchmark script; its figures, printed output and exit status."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(script), *args],
            capture_output=True,
            text=True,
            cwd=HERE.parent,
            timeout=TIMEOUT,
        )
        out, err, code = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        out, err, code = exc.stdout or "", f"timed out after {TIMEOUT} s", -1
        out = out if isinstance(out, str) else out.decode()
    figures, text = [], []
    for line in out.splitlines():
        if line.startswith("RESULT "):
            figures.extend(json.loads(line[len("RESULT ") :]))
        else:
            text.append(line)
    return {
        "name": script.name,
        "seconds": time.perf_counter() - start,
        "code": code,
        "figures": figures,
        "output": "\n".join(text).strip(),
        "error": err.strip()[-2000:] if code else "",
    }


def _value(v: object) -> str:
    if isinstance(v, float):
        return f"{v:,.2f}" if abs(v) < 1000 else f"{v:,.0f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def _why_not_met() -> list[str]:
    """The explanation of unmet targets, kept in README.md, repeated in the report."""
    text = (HERE / "README.md").read_text(encoding="utf-8")
    start = text.find("## Why some targets are not met")
    if start < 0:
        return []
    end = text.find("\n## ", start + 3)
    section = text[start : end if end > 0 else None].strip().splitlines()
    section[0] = "### Why some targets are not met (from README.md; profile: bench_profile.py)"
    # one level deeper than in README.md, under this run's heading
    section[1:] = ["#" + line if line.startswith("#") else line for line in section[1:]]
    return section


def report(results: list[dict], info: dict[str, str], started: str, options: str) -> str:
    """This run's section of ``results.md``."""
    lines = [
        f"## Run of {started}",
        "",
        f"- machine: {info['cores']} cores, {info['cpu']}; {info['system']}; "
        f"Python {info['python']}",
        f"- load average when the run started: {info['load']} (a busy machine slows"
        " everything; ratios measured in one run are the steadier figures)",
        f"- benchmarks: {', '.join(r['name'] for r in results)}"
        + (f"; {options}" if options else ""),
        "",
        "### Targets",
        "",
        "| figure | value | target | met |",
        "|---|---:|---|---|",
    ]
    for r in results:
        for f in r["figures"]:
            if f.get("target"):
                met = "yes" if f["met"] else "**no**"
                lines.append(
                    f"| {f['name']} | {_value(f['value'])} {f['unit']} | {f['target']} | {met} |"
                )
    lines += ["", *_why_not_met()]
    lines += ["", "### Other figures", "", "| figure | value |", "|---|---:|"]
    for r in results:
        for f in r["figures"]:
            if not f.get("target"):
                lines.append(f"| {f['name']} | {_value(f['value'])} {f['unit']} |")
    lines += ["", "### Output of each benchmark", ""]
    for r in results:
        status = "ok" if r["code"] == 0 else f"FAILED (exit {r['code']})"
        lines += [f"#### {r['name']} ({r['seconds']:.0f} s, {status})", "", "```"]
        lines += [r["output"] or "(no output)"]
        if r["error"]:
            lines += ["", r["error"]]
        lines += ["```", ""]
    return "\n".join(lines)


def with_history(section: str, previous: str) -> str:
    """The whole ``results.md``: title, this run's section, then every earlier run as it was
    (a file from before these sections is kept whole, below the new section)."""
    history = previous.split(MARK, 1)[1].lstrip("\n") if MARK in previous else previous
    text = "\n".join([TITLE, "", INTRO, "", MARK, "", section.rstrip("\n")]) + "\n"
    if history.strip():
        text += "\n---\n\n" + history  # byte for byte as it was
    return text if text.endswith("\n") else text + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks; add to results.md.")
    parser.add_argument("only", nargs="*", help="benchmark names, e.g. engine scaling")
    parser.add_argument("--against", metavar="REV", help="bench_engine.py: previous engine")
    parser.add_argument("--quick", action="store_true", help="skip every 100k run; 10 teams")
    parser.add_argument(
        "--full", action="store_true", help="also the single-process 100k runs (+5 minutes)"
    )
    args = parser.parse_args(argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    names = [s.stem.removeprefix("bench_") for s in scripts]
    unknown = [n for n in args.only if n not in names]
    if unknown:
        print(f"error: unknown benchmark(s) {unknown}; choose from {names}", file=sys.stderr)
        return 2
    if args.only:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in args.only]
    # `make bench` (no option) keeps to five minutes: the one 100k run is the one with a
    # target (lean, territories on 2 cores); the single-process 100k runs come with --full.
    single_100k = [] if args.full else ["--quick"]
    extra = {
        "bench_engine.py": ["--against", args.against] if args.against else [],
        "bench_scaling.py": ["--quick"] if args.quick else single_100k,
        "bench_lean.py": ["--quick"] if args.quick else single_100k,
        "bench_workshop.py": ["10"] if args.quick else [],  # 10 teams, not 30
        "bench_territories.py": ["--quick"] if args.quick else [],
    }
    options = [f"bench_engine.py --against {args.against}"] if args.against else []
    if args.quick:
        options += ["--quick: no 100k run, the workshop with 10 teams (not 30)"]
    elif not args.full:
        options += ["single-process 100k runs of bench_scaling.py, bench_lean.py skipped"]
    started = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    info = machine()
    results = []
    for script in scripts:
        print(f"running {script.name} ...", flush=True)
        r = run(script, extra.get(script.name, []))
        results.append(r)
        print(r["output"] + ("\n" + r["error"] if r["error"] else ""), flush=True)
    previous = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    section = report(results, info, started, "; ".join(options))
    atomic_write_text(RESULTS, with_history(section, previous))
    print(f"added this run to {RESULTS}")
    return 0 if all(r["code"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
