"""Using an imported book: the scenario to run it under, and its summary for people.

Once :func:`simkit.io.portfolio.read_csv` has turned an account list into a starting book,
two questions follow. What should the simulation assume about everything the file does not
say (the market, the team, new prospects)? :func:`scenario_for` answers with a scenario: a
base scenario with the book's segment counts and a prospect inflow scaled to the book's
size. And what is in the book? :func:`book_summary` counts accounts, ARR and upcoming
renewals per segment; :func:`describe` says the same in a few lines of text.

>>> from simkit.io.portfolio import EXAMPLE_AS_OF, example_path, read_csv
>>> book = read_csv(example_path(), as_of=EXAMPLE_AS_OF)
>>> scenario_for(book).start, int(book_summary(book).loc["total", "accounts"])
('book', 120)
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from simkit.engine.scenario import SEGMENTS, Scenario, default_scenario


def scenario_for(
    book: pd.DataFrame, base: Scenario | None = None, scale_pipeline: bool = True
) -> Scenario:
    """A scenario for an imported book: the base scenario with the book's segment counts.

    The counts are for reporting (the simulation takes its accounts from the book itself);
    ``warmup_years`` is 0 because an imported book starts from the as-of date, and ``start``
    is ``"book"``. With ``scale_pipeline`` the inflow of new prospects is scaled to the size
    of the book (a book half the base size gets half the prospects a month); the team is
    left as in ``base`` (set ``team.managers`` to your own team). Run it with
    ``simulate(scenario, strategy, book=book)`` or ``compare(scenario, strategies, book=book)``.

    >>> from simkit.io.portfolio import EXAMPLE_AS_OF, example_path, read_csv
    >>> book = read_csv(example_path(), as_of=EXAMPLE_AS_OF)
    >>> sc = scenario_for(book)
    >>> sc.portfolio.total_accounts == len(book), sc.warmup_years
    (True, 0.0)
    """
    base = default_scenario() if base is None else base
    counts = book["segment"].value_counts().reindex(SEGMENTS, fill_value=0)
    changes: dict[str, object] = {f"portfolio.{s}.count": int(counts[s]) for s in SEGMENTS}
    source = Path(str(book.attrs.get("source", "imported"))).name
    name = f"{source}: {len(book)} accounts as of {book.attrs.get('as_of', 'today')}"
    changes.update({"warmup_years": 0.0, "start": "book", "name": name[:200]})
    if scale_pipeline and base.portfolio.total_accounts > 0:
        ratio = len(book) / base.portfolio.total_accounts
        changes["pipeline.prospects_per_month"] = base.pipeline.prospects_per_month * ratio
    return base.update(changes)


def book_summary(book: pd.DataFrame, within_days: float = 90.0) -> pd.DataFrame:
    """Accounts, ARR and upcoming renewals per segment, with a total row.

    >>> from simkit.io.portfolio import EXAMPLE_AS_OF, example_path, read_csv
    >>> s = book_summary(read_csv(example_path(), as_of=EXAMPLE_AS_OF))
    >>> list(s.columns)
    ['accounts', 'customers', 'prospects', 'arr', 'renewals_90d', 'arr_renewing_90d']
    >>> int(s.loc["total", "accounts"])
    120
    """
    active = book["stage"] != "prospect"
    soon = active & (book["days_to_renewal"] <= within_days)
    days = f"{within_days:g}d"
    frame = pd.DataFrame(
        {
            "segment": book["segment"],
            "accounts": 1,
            "customers": active.astype(int),
            "prospects": (~active).astype(int),
            "arr": book["arr"].where(active, 0.0),
            f"renewals_{days}": soon.astype(int),
            f"arr_renewing_{days}": book["arr"].where(soon, 0.0),
        }
    )
    out = frame.groupby("segment").sum().reindex(list(SEGMENTS), fill_value=0)
    out.loc["total"] = out.sum()
    out.index.name = "segment"
    return out


def describe(book: pd.DataFrame, within_days: float = 90.0) -> str:
    """A few lines for people: accounts per segment, total ARR, renewals coming up.

    >>> from simkit.io.portfolio import EXAMPLE_AS_OF, example_path, read_csv
    >>> print(describe(read_csv(example_path(), as_of=EXAMPLE_AS_OF)))  # doctest: +ELLIPSIS
    120 accounts as of 2026-10-01 (... customers, ... prospects); ARR ...
    ...
    """
    s = book_summary(book, within_days)
    t = s.loc["total"]
    days = f"{within_days:g}d"
    lines = [
        f"{int(t['accounts'])} accounts as of {book.attrs.get('as_of', '?')} "
        f"({int(t['customers'])} customers, {int(t['prospects'])} prospects); "
        f"ARR {format_money(t['arr'])}",
        f"renewals in the next {within_days:g} days: {int(t[f'renewals_{days}'])} "
        f"({format_money(t[f'arr_renewing_{days}'])} ARR)",
        f"{'segment':<12}{'accounts':>9}{'ARR':>12}{'renewing':>10}",
    ]
    for seg in SEGMENTS:
        r = s.loc[seg]
        accounts, arr, soon = int(r["accounts"]), format_money(r["arr"]), int(r[f"renewals_{days}"])
        lines.append(f"{seg:<12}{accounts:>9}{arr:>12}{soon:>10}")
    lines += [f"note: {n}" for n in book.attrs.get("notes", [])]
    return "\n".join(lines)


def format_money(v: float) -> str:
    """Money in a few characters: ``4.97M``, ``631k``, ``950``.

    >>> format_money(4_970_000), format_money(631_200), format_money(950)
    ('4.97M', '631k', '950')
    """
    if not math.isfinite(v):
        return "n/a"
    return (
        f"{v / 1e6:.2f}M" if abs(v) >= 1e6 else f"{v / 1e3:.0f}k" if abs(v) >= 1e3 else f"{v:.0f}"
    )
