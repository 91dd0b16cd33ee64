"""Stages as a Markov chain (Pfeifer & Carraway 2000).

An account moves between stages (prospect, customer, loyal, former; a prospect whose deal
is lost ends in ``lost``, an outcome outside the lifecycle) with fixed probabilities per
period; the expected discounted value from each stage has a closed form,
:func:`markov_clv`. :func:`transition_matrix_from_events` estimates the matrix from a
simulation's event log (or a real one with the same columns).

>>> P = [[0.8, 0.2], [0.0, 1.0]]          # active -> churned, churned is absorbing
>>> markov_clv(P, [100.0, 0.0], 0.10).round(2)
array([366.67,   0.  ])
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from simkit.analysis.retention.validation import check_discount, check_positive

__all__ = ["DEFAULT_STAGES", "LOST", "markov_clv", "transition_matrix_from_events"]

DEFAULT_STAGES = ("prospect", "customer", "loyal", "former")
"""The simulator's lifecycle stages, in the order of a transition matrix's rows."""

LOST = "lost"
"""The outcome of a prospect whose deal is lost (absorbing; never a former client)."""


def _check_stochastic(matrix: np.ndarray, labels: Sequence) -> None:
    """Raise a ValueError unless ``matrix`` is square with rows of probabilities summing to 1."""
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"transition_matrix must be square, got shape {matrix.shape}")
    if not np.all(np.isfinite(matrix)) or matrix.min() < 0 or matrix.max() > 1:
        raise ValueError("transition_matrix entries must be in [0, 1]")
    sums = matrix.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-9)
    if bad.size:
        k = bad[0]
        raise ValueError(
            f"transition_matrix rows must sum to 1 (within 1e-9); row {labels[k]!r} "
            f"sums to {float(sums[k])!r}"
        )


def markov_clv(
    transition_matrix: ArrayLike | pd.DataFrame,
    rewards: ArrayLike | pd.Series | Mapping,
    discount_rate: float,
    horizon: int | None = None,
) -> np.ndarray | pd.Series:
    """Expected discounted value of an account from each starting stage (Pfeifer & Carraway).

    With ``M = P / (1 + d)`` and reward ``R[s]`` received at the *start* of every period the
    account spends in stage ``s`` (the current period included, undiscounted):

    - finite horizon ``T``: ``V = sum_{t=0}^{T} M**t R`` (periods 0..T, i.e. T + 1 rewards);
    - ``horizon=None``: ``V = (I - M)^{-1} R``, the limit of the finite sum (needs d > 0).

    For an account manager: this puts a money value on moving an account from "customer"
    to "loyal" -- the difference between the two entries of V.

    Parameters
    ----------
    transition_matrix : (k, k) array or DataFrame
        ``P[i, j]`` = probability of moving from stage i to stage j in one period. Rows sum
        to 1 (within 1e-9), entries in [0, 1]. A DataFrame needs the same labels as index
        and columns.
    rewards : length-k array, Series or dict
        Margin per period in each stage (may be negative, e.g. a prospecting cost). A Series
        or dict is matched to a DataFrame's labels.
    discount_rate : float
        Per-period discount rate ``d``, >= 0 (> 0 when ``horizon`` is None).
    horizon : int or None
        Last period counted (>= 0), or None for an infinite horizon.

    Returns
    -------
    ndarray, or Series indexed by stage when the input was labelled.

    Examples
    --------
    >>> P = [[0.8, 0.2], [0.0, 1.0]]          # active -> churned, churned is absorbing
    >>> markov_clv(P, [100.0, 0.0], 0.10).round(2)
    array([366.67,   0.  ])
    >>> markov_clv(P, [100.0, 0.0], 0.10, horizon=1).round(2)
    array([172.73,   0.  ])
    """
    labels = None
    if isinstance(transition_matrix, pd.DataFrame):
        df = transition_matrix
        if len(df.index) != len(df.columns) or set(df.index) != set(df.columns):
            raise ValueError("transition_matrix index and columns must hold the same labels")
        labels = list(df.index)
        matrix = df.loc[labels, labels].to_numpy(dtype=float)
    else:
        matrix = np.asarray(transition_matrix, dtype=float)
    k = matrix.shape[0] if matrix.ndim >= 1 else 0
    _check_stochastic(matrix, labels or list(range(k)))

    if isinstance(rewards, Mapping | pd.Series) and labels is not None:
        given = pd.Series(rewards, dtype=float)
        if set(given.index) != set(labels) or len(given) != k:
            raise ValueError(
                f"rewards must have one entry per state {labels}, got {list(given.index)}"
            )
        reward_vec = given.loc[labels].to_numpy()
    elif isinstance(rewards, Mapping):
        raise ValueError("rewards given as a dict need a labelled DataFrame transition_matrix")
    else:
        if isinstance(rewards, pd.Series):
            labels = list(rewards.index)
        reward_vec = np.asarray(rewards, dtype=float)
        if reward_vec.shape != (k,):
            raise ValueError(
                f"rewards must have {k} entries (one per state), got {reward_vec.size}"
            )
    if not np.all(np.isfinite(reward_vec)):
        raise ValueError("rewards must be finite numbers")

    d = check_discount(discount_rate, strictly_positive=horizon is None)
    m = matrix / (1.0 + d)
    if horizon is None:
        value = np.linalg.solve(np.eye(k) - m, reward_vec)
    else:
        if isinstance(horizon, bool) or int(horizon) != horizon or horizon < 0:
            raise ValueError(f"horizon must be an integer >= 0 or None, got {horizon!r}")
        term, value = reward_vec.copy(), reward_vec.copy()
        for _ in range(int(horizon)):
            term = m @ term
            value += term
    return value if labels is None else pd.Series(value, index=labels, name="clv")


def transition_matrix_from_events(
    events: pd.DataFrame,
    *,
    period_days: float = 365.0,
    states: Sequence[str] | None = None,
    horizon: float | None = None,
) -> pd.DataFrame:
    """Estimate the per-period stage transition matrix from a simulation's event log.

    For each account and each whole period k, i.e. ``[k * period_days, (k+1) * period_days)``,
    read its stage at the period start and at the next period start (the last stage change
    at or before that instant) and count the pair. Rows are then normalised:
    ``P[i, j] = n_ij / sum_j n_ij``. Periods before an account's first row (it had not arrived
    yet) and periods ending after ``horizon`` are skipped. A stage with no observed periods
    gets 1 on the diagonal (stays put) and a ``RuntimeWarning``, so the result is always a
    valid input for :func:`markov_clv`.

    For an account manager: this turns a simulated (or real) history into "what share of
    loyal accounts are still loyal a year later", the numbers a Markov CLV needs.

    Parameters
    ----------
    events : DataFrame
        Columns ``time`` (days since start), ``account``, ``stage_before`` (NA on an
        account's first row) and ``stage_after``; other columns are ignored. A row changes
        the stage when ``stage_after`` differs from ``stage_before``.
    period_days : float
        Period length in days, > 0.
    states : sequence of str, optional
        Stage names, in the order of the result's rows and columns. Default: the lifecycle
        stages (:data:`DEFAULT_STAGES`), then ``"lost"`` if the log has lost deals (a
        prospect whose deal is lost moves to ``lost``, not to ``former``).
    horizon : float or None
        End of observation in days; default the latest event time.

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "time": [0.0, 200.0, 0.0, 0.0],
    ...     "account": [1, 1, 2, 3],
    ...     "stage_before": [None, "customer", None, None],
    ...     "stage_after": ["customer", "loyal", "customer", "loyal"],
    ... })
    >>> transition_matrix_from_events(log, period_days=365.0, horizon=365.0,
    ...                               states=("customer", "loyal"))
    to        customer  loyal
    from
    customer       0.5    0.5
    loyal          0.0    1.0
    """
    missing = [c for c in ("time", "account", "stage_before", "stage_after") if c not in events]
    if missing:
        raise ValueError(f"events is missing columns {missing}")
    period_days = check_positive("period_days", period_days)
    if states is None:
        has_lost = events["stage_after"].astype(object).eq(LOST).any()
        states = [*DEFAULT_STAGES, *([LOST] if has_lost else [])]
    states = list(states)
    if len(set(states)) != len(states) or not states:
        raise ValueError(f"states must be distinct names, got {states}")

    before, after = events["stage_before"], events["stage_after"]
    changes = events.loc[after.notna() & (before.isna() | (before != after))]
    changes = changes.assign(_order=np.arange(len(changes)), time=changes["time"].astype(float))
    unknown = sorted(set(changes["stage_after"]) - set(states))
    if unknown:
        raise ValueError(f"events has stages not in states: {unknown}")

    end = float(events["time"].max()) if horizon is None else float(horizon)
    if horizon is not None and not end >= 0:
        raise ValueError(f"horizon must be >= 0 days, got {end!r}")
    n_periods = int(np.floor(end / period_days + 1e-9)) if np.isfinite(end) else 0
    counts = np.zeros((len(states), len(states)))
    if n_periods > 0 and len(changes):
        accounts = changes["account"].unique()
        grid = pd.DataFrame(
            {
                "account": np.repeat(accounts, n_periods + 1),
                "k": np.tile(np.arange(n_periods + 1), len(accounts)),
            }
        )
        grid["time"] = grid["k"] * period_days
        right = changes.sort_values(["time", "_order"])[["time", "account", "stage_after"]]
        at = pd.merge_asof(grid.sort_values("time"), right, on="time", by="account")
        stage = at.pivot(index="account", columns="k", values="stage_after")
        code = {s: i for i, s in enumerate(states)}
        start = stage.iloc[:, :-1].to_numpy().ravel()
        stop = stage.iloc[:, 1:].to_numpy().ravel()
        seen = pd.notna(start)
        np.add.at(
            counts,
            ([code[s] for s in start[seen]], [code[s] for s in stop[seen]]),
            1.0,
        )
    totals = counts.sum(axis=1)
    empty = totals == 0
    if empty.any():
        unseen = [s for s, e in zip(states, empty, strict=True) if e]
        warnings.warn(
            f"no periods observed starting in {unseen}; putting 1 on the diagonal for them",
            RuntimeWarning,
            stacklevel=2,
        )
        counts[empty, empty] = 1.0
        totals[empty] = 1.0
    return pd.DataFrame(
        counts / totals[:, None],
        index=pd.Index(states, name="from"),
        columns=pd.Index(states, name="to"),
    )
