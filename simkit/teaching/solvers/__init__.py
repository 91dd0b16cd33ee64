"""Solvers: one small function per exercise, computing its answer and the numbers hints quote.

One module per exercise notebook (:mod:`~.primer` for 00, :mod:`~.retention` for 01 ...
:mod:`~.design` for 08); importing this package registers them all in :data:`SOLVERS` (and
the design problem's judge in :data:`JUDGES`), which :mod:`simkit.teaching.exercises`
pairs with the words in ``simkit/data/exercises.toml``. To add an exercise, add its entry
to the TOML file and a function decorated with ``@solves("its-id")`` to the module of its
notebook.
"""

from simkit.teaching.solvers import (  # noqa: F401  (imported to register their solvers)
    design,
    growth,
    lifetime_value,
    nps,
    portfolio,
    primer,
    retention,
    revenue_retention,
    service,
)
from simkit.teaching.solvers.core import JUDGES, SOLVERS

__all__ = ["JUDGES", "SOLVERS"]
