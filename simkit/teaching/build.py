"""Build student and instructor notebooks from one exercise source.

A source notebook (``exercises/source/*.ipynb``) holds the questions *and* the answers. Its
code cells mark the answer with nbgrader-style comment lines::

    ### BEGIN SOLUTION
    retention = (105 - 10) / 100 * 100
    ### END SOLUTION

and checks meant only for the instructor with ``### BEGIN HIDDEN TESTS`` /
``### END HIDDEN TESTS`` (or a cell tagged ``hidden-tests``).

:func:`build` writes two versions of every source:

* ``student/``: each solution region becomes a placeholder that keeps the notebook running
  -- ``retention = ...  # YOUR CODE HERE`` when the solution ends by assigning a name (the
  check cell then says what to fill in instead of crashing), ``pass  # YOUR CODE HERE``
  otherwise; hidden tests are removed; outputs and execution counts are cleared.
* ``instructor/``: the source as it is, solutions, hidden tests and outputs included.

Markdown cells may hold solution regions too (a model answer); students see
"*Write your answer here.*" instead.

>>> print(student_source(
...     "x = 1\\n### BEGIN SOLUTION\\nanswer = x * 100\\n### END SOLUTION\\ncheck('q', answer)"))
x = 1
answer = ...  # YOUR CODE HERE
check('q', answer)
"""

from __future__ import annotations

import ast
import copy
import re
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from simkit.io.files import atomic_write_text

SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
HIDDEN_TAG = "hidden-tests"
PLACEHOLDER = "...  # YOUR CODE HERE"
MARKDOWN_PLACEHOLDER = "*Write your answer here.*"
VERSIONS = ("student", "instructor")

_CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([^"']+)["']""")


class BuildError(ValueError):
    """A source notebook the builder cannot turn into student and instructor versions."""


@dataclass
class BuildReport:
    """What :func:`build` wrote, and anything worth telling the instructor."""

    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _regions(lines: list[str], markers: tuple[str, str], where: str) -> list[tuple[int, int]]:
    """(begin, end) line indexes of each marked region; unbalanced markers raise BuildError."""
    begin, end = markers
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    for i, line in enumerate(lines):
        text = line.strip()
        if text == begin:
            if opened is not None:
                raise BuildError(
                    f"{where}, line {i + 1}: {begin!r} inside another region "
                    f"(opened at line {opened + 1}); close it with {end!r} first"
                )
            opened = i
        elif text == end:
            if opened is None:
                raise BuildError(f"{where}, line {i + 1}: {end!r} without a {begin!r} before it")
            spans.append((opened, i))
            opened = None
    if opened is not None:
        raise BuildError(f"{where}, line {opened + 1}: {begin!r} has no matching {end!r}")
    return spans


def placeholder(solution: str, indent: str = "") -> str:
    """The student's stand-in for a solution: ``name = ...`` for its last assigned name.

    >>> placeholder("rate = lost / start\\nchurn = rate * 100")
    'churn = ...  # YOUR CODE HERE'
    >>> placeholder("def check_in(self, account):\\n    return None", "    ")
    '    pass  # YOUR CODE HERE'
    """
    try:
        tree = ast.parse(textwrap.dedent(solution))
    except SyntaxError:
        tree = ast.Module(body=[], type_ignores=[])
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    if names:
        return f"{indent}{names[-1]} = {PLACEHOLDER}"
    return f"{indent}pass  # YOUR CODE HERE"


def _replace(
    lines: list[str], spans: list[tuple[int, int]], stand_in: Callable[[list[str]], list[str]]
) -> list[str]:
    out: list[str] = []
    last = 0
    for begin, end in spans:
        out += lines[last:begin]
        out += stand_in(lines[begin + 1 : end])
        last = end + 1
    return out + lines[last:]


def _indent_of(lines: Iterable[str]) -> str:
    for line in lines:
        if line.strip():
            return line[: len(line) - len(line.lstrip())]
    return ""


def student_source(source: str, where: str = "cell") -> str:
    """A code cell's source with solutions replaced and hidden tests removed."""
    lines = source.split("\n")
    hidden = _regions(lines, HIDDEN, where)
    lines = _replace(lines, hidden, lambda body: [])
    solutions = _regions(lines, SOLUTION, where)

    def stand_in(body: list[str]) -> list[str]:
        return [placeholder("\n".join(body), _indent_of(body))]

    return "\n".join(_replace(lines, solutions, stand_in)).strip("\n")


def _student_markdown(source: str, where: str) -> str:
    lines = source.split("\n")
    spans = _regions(lines, SOLUTION, where)
    return "\n".join(_replace(lines, spans, lambda body: [MARKDOWN_PLACEHOLDER]))


def _banner(name: str, version: str) -> nbformat.NotebookNode:
    if version == "student":
        text = (
            f"> **Student version** of `{name}`. Replace each `...` with your answer and run "
            "the check cell below it: it tells you at once whether the answer is right, and "
            "if not, what to look at."
        )
    else:
        text = (
            f"> **Instructor version (answer key)** of `{name}`, with solutions and hidden "
            "tests. Do not hand it out. Generated by `simkit exercises build` from "
            f"`exercises/source/{name}`: edit the source, not this file."
        )
    cell = nbformat.v4.new_markdown_cell(text, metadata={"simkit": {"banner": version}})
    cell.id = "simkit-banner"  # fixed, so that builds are byte-for-byte repeatable
    return cell


def convert(nb: nbformat.NotebookNode, name: str, version: str) -> nbformat.NotebookNode:
    """The student or instructor version of a source notebook (the source is not changed).

    Parameters
    ----------
    nb : the source notebook.
    name : its file name, quoted in the banner and in error messages.
    version : ``"student"`` or ``"instructor"``.

    Examples
    --------
    >>> src = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     "### BEGIN SOLUTION\\nnps_score = 60 - 10\\n### END SOLUTION", execution_count=1)])
    >>> student = convert(src, "03-nps.ipynb", "student")
    >>> student.cells[1].source, student.cells[1].execution_count
    ('nps_score = ...  # YOUR CODE HERE', None)
    """
    if version not in VERSIONS:
        raise ValueError(f"version must be one of {VERSIONS}, got {version!r}")
    out = copy.deepcopy(nb)
    cells = []
    for number, cell in enumerate(out.cells, start=1):
        where = f"{name} cell {number}"
        cell.metadata.pop("execution", None)
        if version == "instructor":
            cells.append(cell)
            continue
        if cell.cell_type == "code":
            if HIDDEN_TAG in cell.metadata.get("tags", []):
                continue
            cell.source = student_source(cell.source, where)
            if not cell.source.strip():
                continue
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            cell.source = _student_markdown(cell.source, where)
        cells.append(cell)
    out.cells = [_banner(name, version), *cells]
    out.metadata["simkit"] = {"generated_from": name, "version": version}
    nbformat.validate(out)
    return out


def _read(path: Path) -> nbformat.NotebookNode:
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError, KeyError) as exc:
        raise BuildError(f"{path}: not a readable notebook ({exc})") from None
    for number, cell in enumerate(nb.cells, start=1):
        where = f"{path.name} cell {number}"
        if cell.cell_type == "code":
            _regions(cell.source.split("\n"), HIDDEN, where)
            _regions(cell.source.split("\n"), SOLUTION, where)
    return nb


def _unknown_checks(nb: nbformat.NotebookNode, name: str) -> list[str]:
    from simkit.teaching.exercises import EXERCISES

    found = []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        for ex_id in _CHECK_CALL.findall(cell.source):
            if ex_id not in EXERCISES:
                found.append(f"{name} cell {number}: check({ex_id!r}) names no known exercise")
    return found


def _dump(nb: nbformat.NotebookNode) -> str:
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def build(source: Path | str = "exercises/source", out: Path | str = "exercises") -> BuildReport:
    """Write ``out/student/*.ipynb`` and ``out/instructor/*.ipynb`` from ``source/*.ipynb``.

    Every source is read and checked before anything is written, so a broken source leaves
    the previous build untouched. Files are written atomically; generated notebooks whose
    source is gone are removed (other files are left alone).

    Parameters
    ----------
    source : folder of source notebooks.
    out : folder that receives ``student/`` and ``instructor/``.

    Returns
    -------
    BuildReport
        The files written and removed, and notes for the instructor.

    Raises
    ------
    BuildError
        Naming the notebook, cell and line of an unbalanced marker, a ``check("id", ...)``
        for an unknown exercise, or a missing or empty source folder.

    Examples
    --------
    >>> import tempfile
    >>> tmp = Path(tempfile.mkdtemp())
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    >>> nbformat.write(nb, tmp / "intro.ipynb")
    >>> report = build(tmp, tmp / "built")
    >>> sorted(str(p.relative_to(tmp)) for p in report.written)
    ['built/instructor/intro.ipynb', 'built/student/intro.ipynb']
    >>> report.notes
    ['intro.ipynb has no outputs: run `make notebooks` first so the instructor version
    shows results']
    """
    source, out = Path(source), Path(out)
    if not source.is_dir():
        raise BuildError(
            f"{source}: no such folder (run from the repository root or pass --source)"
        )
    paths = sorted(source.glob("*.ipynb"))
    if not paths:
        raise BuildError(f"{source}: no .ipynb files to build from")
    report = BuildReport()
    built: dict[Path, str] = {}
    problems: list[str] = []
    for path in paths:
        nb = _read(path)
        problems += _unknown_checks(nb, path.name)
        never_run = sum(
            1 for c in nb.cells if c.cell_type == "code" and c.source.strip() and not c.outputs
        )
        if never_run == sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip()):
            report.notes.append(
                f"{path.name} has no outputs: run `make notebooks` first so the instructor "
                "version shows results"
            )
        for version in VERSIONS:
            built[out / version / path.name] = _dump(convert(nb, path.name, version))
    if problems:
        raise BuildError("; ".join(problems))
    for target, text in built.items():
        atomic_write_text(target, text)
        report.written.append(target)
    for version in VERSIONS:
        for stale in sorted((out / version).glob("*.ipynb")):
            if stale in built:
                continue
            try:
                meta = nbformat.read(stale, as_version=4).metadata.get("simkit", {})
            except (OSError, ValueError, KeyError):
                continue
            if meta.get("generated_from"):
                stale.unlink()
                report.removed.append(stale)
    return report
