"""Run every benchmark and write ``benchmarks/results.md``: ``python benchmarks/run_all.py``

Each ``bench_*.py`` runs in its own process (``make bench`` calls this script). Figures
come from the ``RESULT {json}`` line a benchmark prints (see ``common.py``); benchmarks
without one are reported by their printed output. The report says when and on what machine
the figures were measured and which targets were met; it is written atomically.

    python benchmarks/run_all.py                  # everything
    python benchmarks/run_all.py engine scaling   # only bench_engine.py and bench_scaling.py
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

from common import machine

from simkit.io.files import atomic_write_text

HERE = Path(__file__).resolve().parent
TIMEOUT = 3600


def run(script: Path) -> dict:
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(script)],
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
    section[0] = "## Why some targets are not met (from README.md; profile: bench_profile.py)"
    return section


def report(results: list[dict], info: dict[str, str], started: str) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Measured {started} by `make bench` (`benchmarks/run_all.py`). What each benchmark",
        "measures, and what was changed to get these figures, is in `benchmarks/README.md`.",
        "",
        f"- machine: {info['cores']} cores, {info['cpu']}; {info['system']}; "
        f"Python {info['python']}",
        f"- load average when the run started: {info['load']} (a busy machine slows"
        " everything; ratios measured in one run are the steadier figures)",
        "",
        "## Targets",
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
    lines += ["", "## Other figures", "", "| figure | value |", "|---|---:|"]
    for r in results:
        for f in r["figures"]:
            if not f.get("target"):
                lines.append(f"| {f['name']} | {_value(f['value'])} {f['unit']} |")
    lines += ["", "## Output of each benchmark", ""]
    for r in results:
        status = "ok" if r["code"] == 0 else f"FAILED (exit {r['code']})"
        lines += [f"### {r['name']} ({r['seconds']:.0f} s, {status})", "", "```"]
        lines += [r["output"] or "(no output)"]
        if r["error"]:
            lines += ["", r["error"]]
        lines += ["```", ""]
    return "\n".join(lines)


def main(only: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    names = [s.stem.removeprefix("bench_") for s in scripts]
    unknown = [n for n in only if n not in names]
    if unknown:
        print(f"error: unknown benchmark(s) {unknown}; choose from {names}", file=sys.stderr)
        return 2
    if only:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in only]
    started = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    info = machine()
    results = []
    for script in scripts:
        print(f"running {script.name} ...", flush=True)
        r = run(script)
        results.append(r)
        print(r["output"] + ("\n" + r["error"] if r["error"] else ""), flush=True)
    atomic_write_text(HERE / "results.md", report(results, info, started) + "\n")
    print(f"wrote {HERE / 'results.md'}")
    return 0 if all(r["code"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
