"""What-ifs typed on a command line: the scenario a command runs, from a file, a book and flags.

A manager tries a what-if without writing a file::

    simkit compare --book accounts.csv --managers 3 --years 2 --set team.cost_per_hour=90

:func:`command_scenario` turns that into a scenario and a starting book, in a fixed order:
the scenario file (or the built-in scenario); sized to the imported book
(:func:`simkit.io.portfolio_book.scenario_for`); then ``--seed``, ``--years``, ``--managers``
and every ``--set FIELD=VALUE``. Every change goes through
:meth:`simkit.engine.scenario.Scenario.update`, so it is checked -- and an error worded --
exactly as the same field in a scenario file would be, with the flag in front::

    --set team.managers=0: team.managers: must be >= 1 (got 0)

A field given twice (``--managers 3 --set team.managers=4``) is an error, not "the last one
wins". Values are read as TOML values (:func:`parse_setting`).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from simkit.engine.safe_load import excerpt, shorten
from simkit.engine.scenario import Scenario, ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["FLAG_FIELDS", "apply_flags", "command_scenario", "parse_setting"]

FLAG_FIELDS = {"seed": "--seed", "horizon_years": "--years", "team.managers": "--managers"}
"""Scenario fields with a flag of their own, and the flag."""


def parse_setting(text: str) -> tuple[str, object]:
    """``FIELD=VALUE`` (from ``--set``): the dotted field, and the value read as a TOML value
    (``4``, ``0.5``, ``true``, ``"text"``, ``[1, 2]``), or as plain text when it is not one.

    >>> parse_setting("team.managers=4"), parse_setting("name = My book")
    (('team.managers', 4), ('name', 'My book'))
    >>> parse_setting("team.managers")
    Traceback (most recent call last):
    ...
    ValueError: --set 'team.managers': write FIELD=VALUE, e.g. --set team.managers=4
    """
    field, sep, raw = str(text).partition("=")
    field, raw = field.strip(), raw.strip()
    if not sep or not field or any(not part.strip() for part in field.split(".")):
        raise ValueError(f"--set {excerpt(text)}: write FIELD=VALUE, e.g. --set team.managers=4")
    try:
        return field, tomllib.loads(f"value = {raw}")["value"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return field, raw


def apply_flags(
    scenario: Scenario,
    flags: dict[str, object] | None = None,
    settings: Sequence[str] = (),
    swept: Sequence[str] = (),
) -> Scenario:
    """``scenario`` with the flag values (``{"team.managers": 3}``; None: not given) and every
    ``--set`` applied, each checked by the scenario.

    A field given twice, or one a sweep's grid varies (``swept``), is a ValueError.

    >>> from simkit.engine.scenario import default_scenario
    >>> sc = apply_flags(default_scenario(), {"team.managers": 3}, ["team.cost_per_hour=90"])
    >>> sc.team.managers, sc.team.cost_per_hour
    (3, 90.0)
    """
    changes: dict[str, tuple[str, object]] = {}
    for field, value in (flags or {}).items():
        if value is not None:
            changes[field] = (FLAG_FIELDS.get(field, field), value)
    for given in settings:
        text = shorten(given, 80)
        field, value = parse_setting(given)
        if field in changes:
            raise ValueError(f"{field} is given twice ({changes[field][0]} and --set {text})")
        changes[field] = (f"--set {text}", value)
    for field, (flag, value) in changes.items():
        if field in swept:
            raise ValueError(f"{flag}: the sweep's grid already varies {field}")
        try:
            scenario = scenario.update({field: value})
        except ScenarioError as exc:
            raise ScenarioError(f"{flag}: {exc}") from None
    return scenario


def command_scenario(
    path: str | os.PathLike[str] | None = None,
    book: str | os.PathLike[str] | None = None,
    as_of: str | None = None,
    flags: dict[str, object] | None = None,
    settings: Sequence[str] = (),
) -> tuple[Scenario, pd.DataFrame | None]:
    """The scenario a command runs, and the imported starting book (None: sampled).

    ``path`` is a scenario file (None: the built-in scenario); ``book`` an account list
    read with :func:`simkit.io.portfolio.read_csv` as of ``as_of``; ``flags`` and
    ``settings`` as in :func:`apply_flags`.
    """
    from simkit.engine.scenario import load_scenario

    scenario = load_scenario(Path(path) if path is not None else None)
    scenario, frame = with_book(scenario, book, as_of)
    return apply_flags(scenario, flags, settings), frame


def with_book(
    scenario: Scenario, book: str | os.PathLike[str] | None, as_of: str | None = None
) -> tuple[Scenario, pd.DataFrame | None]:
    """``scenario`` run on the account list ``book`` (read as of ``as_of``, see
    :func:`simkit.io.portfolio.read_csv`; segment counts follow the list), with the list;
    unchanged, with None, when there is no list."""
    if book is None:
        if as_of is not None:
            raise ValueError("--as-of goes with --book (the date the account list describes)")
        return scenario, None
    from simkit.io.portfolio import read_csv
    from simkit.io.portfolio_book import scenario_for

    frame = read_csv(book, as_of=as_of)
    return scenario_for(frame, scenario), frame
