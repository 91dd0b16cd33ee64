"""The bad-input suite's tables: what a careless or hostile user hands the kit.

Every case is a row: a *kind* (which part of the kit it tries), a name, how to give the input
(a library call or a command line, run in a scratch folder), and the fragments its error
must contain -- always the field, the row or the file. The modules of this package fill
:data:`CASES` when imported, one part of the kit each: :mod:`.scenarios` (every field of the
scenario schema, and scenario files), :mod:`.accounts` (every column of an account file, and
odd files), :mod:`.sweeps` (sweep files, sweep calls, damaged saved sweeps) and
:mod:`.command_line`. ``tests/test_bad_input.py`` runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE = 300
"""Longest error message accepted (a file name, a field or row, what is allowed)."""

AS_OF = "2026-01-01"
"""The as-of date of the account files of the tables."""


@dataclass(frozen=True)
class Case:
    """One bad input and what its error must say."""

    kind: str
    name: str
    fragments: tuple[str, ...]
    run: Callable[[], object] | None = None  # a library call, in the scratch folder
    cli: tuple[str, ...] | None = None  # or a command line
    error: type[Exception] = ValueError
    files: tuple[tuple[str, str | bytes], ...] = ()  # written into the scratch folder first
    saved_sweep: bool = False  # copy the saved sweep (grid.toml, runs.csv, sidecar) in first
    damage: Callable[[], None] | None = None  # then change the files
    lines: int = 1  # lines the command line's error may take


CASES: list[Case] = []
"""Every case of every table, in the order the modules add them."""


def case(kind: str, name: str, *fragments: str, **kw: Any) -> None:
    """Add a case to :data:`CASES` (keywords as :class:`Case`)."""
    CASES.append(Case(kind, name, tuple(fragments), **kw))
