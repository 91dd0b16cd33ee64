"""The data sets of the exercises: small tables, and one simulated portfolio.

The tables (``clients``, ``segments``, ``mrr``...) are written out in
``simkit/data/exercises.toml`` so a teacher can read and change them; ``portfolio`` is two
simulated years of the default book (:func:`exercise_scenario`) under the customer-success
strategy. Learners get copies with :func:`data`, so nothing they do to a table can change
the answers the solvers compute from :func:`table`:

>>> t = data("segments")
>>> t.loc[0, "churn_pct"] = 99.0
>>> float(table("segments").loc[0, "churn_pct"])
5.0
"""

from __future__ import annotations

import copy
from functools import cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from simkit.teaching.registry import read_tables

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.scenario import Scenario

__all__ = ["data", "data_sets", "exercise_scenario", "table", "table_names"]

PORTFOLIO_ABOUT = "Two simulated years of the default book, customer-success strategy."


@cache
def _tables() -> dict[str, dict[str, Any]]:
    return read_tables()


def table_names() -> list[str]:
    """The names of every data set, the simulated ``portfolio`` last.

    >>> table_names()[0], table_names()[-1]
    ('clients', 'portfolio')
    """
    return [*_tables(), "portfolio"]


def exercise_scenario() -> Scenario:
    """The scenario of the simulation exercises: the default book over two years.

    >>> exercise_scenario().horizon_years
    2.0
    """
    from simkit.engine.scenario import default_scenario

    return default_scenario().update({"horizon_years": 2.0})


@cache
def table(name: str) -> Any:
    """A data set, built once per session: what solvers read (never hand it to a learner).

    A DataFrame for the tables; :class:`~simkit.engine.results.Results` for ``"portfolio"``.
    """
    if name == "portfolio":
        from simkit.engine.model import simulate

        return simulate(exercise_scenario(), "customer_success", 0)
    columns = {k: v for k, v in _tables()[name].items() if k != "about"}
    return pd.DataFrame(columns)


def data(name: str) -> Any:
    """A fresh copy of an exercise data set (changing it cannot change the answers).

    ``"portfolio"`` is two simulated years of the default book under the customer-success
    strategy (:class:`~simkit.engine.results.Results`); the others are small tables,
    described by :func:`data_sets`.

    >>> data("segments")[["segment", "churn_pct"]].head(2)
          segment  churn_pct
    0         key        5.0
    1  enterprise        8.0
    >>> data("scores")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: no data set 'scores'; choose from clients, segments, ..., portfolio
    """
    names = table_names()
    if name not in names:
        raise ValueError(f"no data set {name!r}; choose from {', '.join(names)}")
    return copy.deepcopy(table(name))


def data_sets() -> dict[str, str]:
    """Name -> one-line description of every data set.

    >>> data_sets()["mrr"]
    "16 accounts' monthly recurring revenue at the start and end of a quarter."
    """
    about = {name: str(t.get("about", "")) for name, t in _tables().items()}
    return {**about, "portfolio": PORTFOLIO_ABOUT}
