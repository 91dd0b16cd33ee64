"""The README's console output is the real output: find, run, compare and rewrite its blocks.

Every fenced ``console`` block of ``README.md`` whose first line is a ``$ simkit ...`` command
is a transcript: each ``$ `` line is a command, the lines under it what it printed. This
module runs those commands for real -- in a fresh temporary folder holding a link to the
repository's ``examples/`` (so ``examples/portfolio.csv`` works and nothing is written into
the repository) -- and either compares the transcript with what they print now
(``tests/test_readme_outputs.py``, part of ``make test``) or writes the new output into the
README (``make docs``)::

    python -m tests.readme_blocks check     # exit 1 and a diff when the README has drifted
    python -m tests.readme_blocks update    # rewrite the blocks (and the figures below)

A figure the README shows can come from the same run: an HTML comment right after the block,

    <!-- figure: simkit-out/compare.png -> docs/images/compare.png -->

copies that file of the run's folder over the figure on ``update`` (PNG bytes are not
compared by ``check``: they differ between Matplotlib versions).

Commands run with the Python that runs this module (``simkit`` next to it), standard output
only, and must succeed; the temporary folder's path is replaced by ``.`` in what they print
and trailing spaces are dropped.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TIMEOUT = 300
"""Seconds one command may take before it counts as hung."""

BLOCK = re.compile(r"```console\n(?P<body>\$ simkit .*?)```\n", re.S)
FIGURE = re.compile(r"\A<!-- figure: (?P<src>\S+) -> (?P<dst>\S+) -->\n")


@dataclass
class Step:
    """One ``$ command`` of a block and the output shown under it."""

    command: str
    shown: str


@dataclass
class Block:
    """A ``console`` block of the README: where it is, its steps and the figures it makes."""

    start: int
    end: int
    steps: list[Step]
    figures: list[tuple[str, str]] = field(default_factory=list)


def blocks(text: str) -> list[Block]:
    """The ``console`` blocks of ``text`` that start with a ``$ simkit`` command.

    >>> t = "x\\n```console\\n$ simkit a\\none\\n$ simkit b\\n```\\n"
    >>> t += "<!-- figure: f.png -> d/f.png -->\\n"
    >>> [(s.command, s.shown) for s in blocks(t)[0].steps], blocks(t)[0].figures
    ([('simkit a', 'one\\n'), ('simkit b', '')], [('f.png', 'd/f.png')])
    """
    found = []
    for match in BLOCK.finditer(text):
        steps: list[Step] = []
        for line in match.group("body").splitlines(keepends=True):
            if line.startswith("$ "):
                steps.append(Step(line[2:].strip(), ""))
            else:
                steps[-1].shown += line
        figures = []
        rest = text[match.end() :]
        while figure := FIGURE.match(rest):
            figures.append((figure["src"], figure["dst"]))
            rest = rest[figure.end() :]
        found.append(Block(match.start(), match.end(), steps, figures))
    return found


def simkit_command() -> list[str]:
    """How to run ``simkit`` with this Python (the console script next to it, if there)."""
    script = Path(sys.executable).with_name("simkit")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from simkit.cli import app; app()"]


def workspace() -> Path:
    """A fresh temporary folder with ``examples/`` linked from the repository."""
    folder = Path(tempfile.mkdtemp(prefix="simkit-readme-"))
    (folder / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    return folder


def run(command: str, folder: Path) -> str:
    """What ``command`` (a ``simkit ...`` line) prints in ``folder``, normalised.

    Raises :class:`RuntimeError` with the command's messages when it fails or hangs.
    """
    words = shlex.split(command)
    if words[0] != "simkit":
        raise ValueError(f"README console blocks run simkit commands only, got: {command}")
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    try:
        done = subprocess.run(
            [*simkit_command(), *words[1:]],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"`{command}` took longer than {TIMEOUT} s") from None
    if done.returncode != 0:
        raise RuntimeError(
            f"`{command}` failed (exit {done.returncode}):\n{done.stderr.strip()[-2000:]}"
        )
    return normalise(done.stdout, folder)


def normalise(output: str, folder: Path) -> str:
    """Output as the README shows it: no temporary paths, no trailing spaces.

    >>> normalise("wrote /tmp/x/simkit-out/a.csv  \\n", Path("/tmp/x"))
    'wrote simkit-out/a.csv\\n'
    """
    for path in {str(folder), str(folder.resolve())}:
        output = output.replace(path + os.sep, "").replace(path, ".")
    return "".join(line.rstrip() + "\n" for line in output.splitlines())


def render(block: Block, outputs: list[str]) -> str:
    """The block's text with ``outputs`` under its commands."""
    body = "".join(f"$ {s.command}\n{out}" for s, out in zip(block.steps, outputs, strict=True))
    return f"```console\n{body}```\n"


def refresh(text: str, copy_figures: bool = False) -> tuple[str, list[str]]:
    """``text`` with every simkit console block's output made by running it, and a diff
    line list per changed block (empty when the README is up to date).

    With ``copy_figures`` the figures named after a block are copied from its run.
    """
    pieces, drift, last = [], [], 0
    for block in blocks(text):
        folder = workspace()
        try:
            outputs = [run(step.command, folder) for step in block.steps]
            if copy_figures:
                for src, dst in block.figures:
                    made = folder / src
                    if not made.is_file():
                        raise RuntimeError(f"`{block.steps[-1].command}` did not write {src}")
                    (ROOT / dst).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(made, ROOT / dst)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        new = render(block, outputs)
        old = text[block.start : block.end]
        if new != old:
            drift += difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                "README.md (shown)",
                "README.md (real output)",
            )
        pieces += [text[last : block.start], new]
        last = block.end
    pieces.append(text[last:])
    return "".join(pieces), drift


def main(argv: list[str] | None = None) -> int:
    """``check`` (exit 1 with a diff on drift) or ``update`` (rewrite README.md and figures)."""
    args = sys.argv[1:] if argv is None else argv
    if args not in (["check"], ["update"]):
        print("usage: python -m tests.readme_blocks check|update", file=sys.stderr)
        return 2
    text = README.read_text(encoding="utf-8")
    try:
        new, drift = refresh(text, copy_figures=args == ["update"])
    except RuntimeError as exc:
        print(f"README.md: {exc}", file=sys.stderr)
        return 1
    if args == ["update"]:
        if new != text:
            README.write_text(new, encoding="utf-8")
        print(
            f"README.md: {len(blocks(new))} console blocks regenerated"
            + (" (changed)" if drift else " (no change)")
        )
        return 0
    if drift:
        sys.stdout.writelines(drift)
        print("README.md is out of date: run `make docs`", file=sys.stderr)
        return 1
    print(f"README.md: {len(blocks(text))} console blocks match the real output")
    return 0


if __name__ == "__main__":
    sys.exit(main())
