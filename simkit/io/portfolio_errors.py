"""Reporting what is wrong with an account file: every problem, at once, with its row.

A manager fixing a CRM export in a spreadsheet wants the whole list, not one error per
attempt. The reader therefore runs every check on every row, collecting problems in a
:class:`ProblemList`, and raises one :class:`PortfolioError` listing them in spreadsheet
order (by row, then column). Rows are numbered as a spreadsheet shows them: the header is
row 1 and the first account is row 2. Long lists stop after :data:`MAX_LISTED` problems
and say how many more there are.

>>> p = ProblemList()
>>> p.rows(np.array([False, True]), np.array([2, 3]), "arr", lambda i: "is negative")
>>> p.raise_if_any("crm.csv")
Traceback (most recent call last):
...
simkit.io.portfolio.PortfolioError: crm.csv: 1 problem (spreadsheet rows: the header is row 1)
  row 3, column arr: is negative
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from simkit.io.portfolio_columns import COLUMN_ORDER

MAX_LISTED = 50
"""At most this many problems are listed in a :class:`PortfolioError` (then "... and N more")."""


class PortfolioError(ValueError):
    """An account file has problems; the message lists them, one per line.

    Attributes
    ----------
    source : the file's name (or ``"upload"``).
    problems : the problems listed (at most :data:`MAX_LISTED`), each a sentence such as
        ``"row 3, column arr: -5 is negative; ARR must be >= 0"``.
    total : how many problems there are in all.
    """

    # Shown (in tracebacks) and pickled under its public home, where users import it from.
    __module__ = "simkit.io.portfolio"

    def __init__(self, source: str, problems: list[str], total: int | None = None) -> None:
        self.source = source
        self.problems = list(problems)
        self.total = len(problems) if total is None else total
        super().__init__(self._message())

    def _message(self) -> str:
        if self.total == 1 and not self.problems[0].startswith("row "):
            return f"{self.source}: {self.problems[0]}"
        head = (
            f"{self.source}: {self.total} problem{'s' if self.total != 1 else ''} "
            "(spreadsheet rows: the header is row 1)"
        )
        lines = [head, *(f"  {p}" for p in self.problems)]
        if self.total > len(self.problems):
            lines.append(f"  ... and {self.total - len(self.problems)} more")
        return "\n".join(lines)


class ProblemList:
    """Collects problems check by check; only the first few of each check are worded.

    A check runs on whole columns at once and reports a boolean mask of the rows that fail
    (:meth:`rows`); problems with the file as a whole go to :meth:`file`. Wording a message
    costs far more than testing a row, so however many rows fail, at most
    :data:`MAX_LISTED` messages are made per check.
    """

    def __init__(self) -> None:
        self.items: list[tuple[int, int, str]] = []  # (row, column order, message)
        self.total = 0

    def file(self, message: str) -> None:
        """Report a problem with the file as a whole (listed before any row's)."""
        self.items.append((0, len(self.items) - 100, message))
        self.total += 1

    def rows(
        self, mask: np.ndarray, rows: np.ndarray, column: str, say: Callable[[int], str]
    ) -> None:
        """Report every row where ``mask`` is true.

        ``rows`` holds the spreadsheet row number of each position; ``say(i)`` words the
        problem at position ``i`` (called for the first :data:`MAX_LISTED` only).
        """
        where = np.flatnonzero(mask)
        self.total += len(where)
        order = COLUMN_ORDER.get(column, len(COLUMN_ORDER))
        for i in where[:MAX_LISTED]:
            self.items.append((int(rows[i]), order, f"row {rows[i]}, column {column}: {say(i)}"))

    def raise_if_any(self, source: str) -> None:
        """Raise one :class:`PortfolioError` with every problem so far, in spreadsheet order."""
        if self.total:
            listed = [m for _, _, m in sorted(self.items)[:MAX_LISTED]]
            raise PortfolioError(source, listed, self.total)
