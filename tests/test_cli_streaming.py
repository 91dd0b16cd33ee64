"""``simkit compare`` streams: the table of every complete replication is printed as it
arrives (``--live``), and Ctrl-C prints what was complete, exits 130 and leaves no worker.

The command runs as a real process in its own session (as a terminal job does); its workers
are watched through Linux /proc.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simkit.cli import app
from tests.helpers import alive, descendants, wait_until

linux = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
ENTRY = "import sys; from simkit.cli import app; sys.argv[0] = 'simkit'; app()"
SO_FAR = re.compile(r"so far (\d+) of (\d+) replications \((\d+) of (\d+) runs\)")


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-u", "-c", ENTRY, *args], cwd=cwd, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def _read_until(proc: subprocess.Popen, pattern: re.Pattern, timeout: float) -> re.Match:
    """Read stdout lines until one matches (failing after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        found = pattern.search(line)
        if found:
            return found
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail(f"no line matching {pattern.pattern!r}: {proc.communicate(timeout=30)}")


@linux
def test_live_compare_prints_each_replication_before_the_last_run_ends(tmp_path):
    proc = _start(["compare", "--years", "1", "--replications", "4", "--strategies",
                   "reactive,cs", "--jobs", "2", "--live"], tmp_path)  # fmt: skip
    try:
        first = _read_until(proc, SO_FAR, 120)
        running = proc.poll() is None
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    shown, planned, done, total = map(int, first.groups())
    assert running and shown >= 1 and planned == 4 and done < total == 8  # runs still to go
    later = [tuple(map(int, m.groups())) for m in SO_FAR.finditer(out)]
    assert all(k > shown for k, *_ in later)  # each block adds replications
    assert proc.returncode == 0 and err == ""
    assert "| 4 replications |" in out and "Logo retention" in out.split("| 4 replications |")[1]
    assert (tmp_path / "simkit-out" / "summary.csv").exists()


@linux
def test_ctrl_c_prints_the_replications_so_far_and_leaves_no_worker(tmp_path):
    proc = _start(["compare", "--years", "3", "--replications", "40", "--strategies",
                   "reactive,cs", "--jobs", "2", "--live"], tmp_path)  # fmt: skip
    try:
        _read_until(proc, SO_FAR, 120)
        workers = descendants(proc.pid)
        assert workers, "no worker processes"
        started = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground job
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert time.monotonic() - started < 5, "took too long to stop"
    assert proc.returncode == 130 and err.strip() == "interrupted"  # one line, no traceback
    partial = re.search(r"interrupted: (\d+) of 40 replications \((\d+) of 80 runs\)", out)
    assert partial and int(partial.group(1)) >= 1, out[-500:]
    table = out[partial.end() :]
    assert "Logo retention" in table and "customer_success" in table
    assert wait_until(lambda: not any(alive(p) for p in workers), 5), "a worker survived"
    assert not (tmp_path / "simkit-out").exists()  # nothing half-written


def test_without_live_only_the_finished_table_is_printed(tmp_path):
    out = tmp_path / "o"
    done = CliRunner().invoke(app, ["compare", "--years", "0.5", "--replications", "2",
                                    "--strategies", "reactive,cs", "--jobs", "1",
                                    "--out", str(out)])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "so far" not in done.output and done.output.count("Logo retention") == 1
    assert "| 2 replications |" in done.output
