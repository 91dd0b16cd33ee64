"""Execute and check the kit's notebooks, so what is committed is what runs.

Two commands::

    python -m simkit.teaching.notebooks execute notebooks exercises/source
    python -m simkit.teaching.notebooks check notebooks

``execute`` runs every notebook in the given folders (or files) top to bottom in a fresh
``python3`` kernel, with the notebook's own folder as the working directory and a time
limit per cell, and saves the outputs in place (atomically: a notebook that fails keeps
its previous file). Paths that do not exist are skipped with a note.

``check`` fails when a stored notebook was not executed top to bottom in one go: every
non-empty code cell must have an execution count, the counts must run 1, 2, 3, ... in cell
order, no cell may hold an error, and a notebook with code must have outputs. This is what
strict nbval needs: a cell that was never executed is run but never compared.

>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
>>> for problem in check_notebook(nb):
...     print(problem)
cell 1: code cell was never executed (no execution count)
no code cell has any output: execute the notebook before committing it
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import nbformat

from simkit.io.files import atomic_write_text

__all__ = ["check", "check_notebook", "execute", "execute_notebook", "find_notebooks", "main"]

CELL_TIMEOUT = 300
"""Seconds a single cell may run before execution is stopped."""


def find_notebooks(paths: Iterable[str | Path], quiet: bool = False) -> list[Path]:
    """Notebooks in the given files and folders (a folder's ``*.ipynb``, sorted).

    Missing paths are skipped with a note on stderr; checkpoints are ignored.

    >>> find_notebooks(["no/such/folder"], quiet=True)
    []
    """
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(f for f in p.glob("*.ipynb") if f.is_file()))
        elif p.is_file() and p.suffix == ".ipynb":
            found.append(p)
        elif not quiet:
            what = "not a notebook" if p.exists() else "no such file or folder"
            print(f"skipping {p}: {what}", file=sys.stderr)
    return list(dict.fromkeys(f for f in found if ".ipynb_checkpoints" not in f.parts))


def execute_notebook(
    path: str | Path, timeout: int = CELL_TIMEOUT, kernel: str = "python3"
) -> nbformat.NotebookNode:
    """Run one notebook top to bottom and save it with its outputs.

    The working directory is the notebook's folder. Raises :class:`RuntimeError` naming
    the notebook and cell when a cell fails or times out; the file on disk is then left
    as it was.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel,
        resources={"metadata": {"path": str(path.parent.resolve())}},
        record_timing=False,
    )
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        cell = _failed_cell(nb)
        where = f" (cell {cell})" if cell else ""
        first = str(exc).strip().splitlines()
        detail = next((line for line in reversed(first) if line.strip()), type(exc).__name__)
        raise RuntimeError(f"{path}{where}: {detail}") from None
    atomic_write_text(path, nbformat.writes(nb) + "\n")
    return nb


def _failed_cell(nb: nbformat.NotebookNode) -> int | None:
    for i, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code" and any(
            o.get("output_type") == "error" for o in cell.get("outputs", [])
        ):
            return i
    return None


def execute(
    paths: Sequence[str | Path], timeout: int = CELL_TIMEOUT, kernel: str = "python3"
) -> int:
    """Execute every notebook under ``paths``; returns the number that failed."""
    failed = 0
    for nb_path in find_notebooks(paths):
        print(f"executing {nb_path} ...", flush=True)
        try:
            execute_notebook(nb_path, timeout=timeout, kernel=kernel)
        except RuntimeError as exc:
            failed += 1
            print(f"FAILED {exc}", file=sys.stderr, flush=True)
    return failed


def check_notebook(nb: nbformat.NotebookNode) -> list[str]:
    """Problems that show a notebook was not executed in order (empty list: fine)."""
    problems: list[str] = []
    expected = 1
    code_cells = 0
    outputs = 0
    for i, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        code_cells += 1
        outputs += len(cell.get("outputs", []))
        count = cell.get("execution_count")
        if count is None:
            problems.append(f"cell {i}: code cell was never executed (no execution count)")
            continue
        if count != expected:
            problems.append(
                f"cell {i}: execution count {count}, expected {expected} "
                "(cells were run out of order or some more than once)"
            )
        expected = count + 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i}: holds an error ({out.get('ename', 'error')})")
    if code_cells and not outputs:
        problems.append("no code cell has any output: execute the notebook before committing it")
    return problems


def check(paths: Sequence[str | Path]) -> dict[Path, list[str]]:
    """Problems of every notebook under ``paths`` that has any (missing paths are skipped)."""
    report: dict[Path, list[str]] = {}
    for nb_path in find_notebooks(paths):
        try:
            nb = nbformat.read(nb_path, as_version=4)
        except Exception as exc:  # not JSON, not a notebook...
            report[nb_path] = [f"cannot be read as a notebook: {exc}"]
            continue
        problems = check_notebook(nb)
        if problems:
            report[nb_path] = problems
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m simkit.teaching.notebooks {execute,check} PATH [PATH...]``."""
    parser = argparse.ArgumentParser(
        prog="python -m simkit.teaching.notebooks",
        description="Execute the kit's notebooks in place, or check they were executed in order.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("execute", help="run notebooks top to bottom and save their outputs")
    ex.add_argument("paths", nargs="+", help="notebook files or folders")
    ex.add_argument(
        "--timeout", type=int, default=CELL_TIMEOUT, help="seconds per cell (default 300)"
    )
    ex.add_argument("--kernel", default="python3", help="kernel name (default python3)")
    ck = sub.add_parser("check", help="fail when a notebook was not executed in order")
    ck.add_argument("paths", nargs="+", help="notebook files or folders")
    args = parser.parse_args(argv)
    if args.command == "execute":
        if args.timeout < 1:
            parser.error("--timeout must be at least 1 second")
        failed = execute(args.paths, timeout=args.timeout, kernel=args.kernel)
        return 1 if failed else 0
    report = check(args.paths)
    for nb_path, problems in report.items():
        for p in problems:
            print(f"{nb_path}: {p}", file=sys.stderr)
    if not report:
        print("all notebooks were executed in order")
    return 1 if report else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
