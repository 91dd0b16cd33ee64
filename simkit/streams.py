"""Random-number streams: one per purpose, one tape per account.

Comparing strategies is only fair when they face the same luck. simkit uses *common random
numbers*: every random draw has a purpose (issues, renewals, upsells, surveys, ...) and an
account, and comes from that account's own tape for that purpose. A strategy that never
touches an account therefore never changes that account's draws, and two strategies run
with the same seed see the same issue arrivals, the same competitor approaches and the
same survey noise wherever their decisions do not differ.

Think of each (purpose, account) pair as a roll of numbered raffle tickets: the account
tears off the next ticket whenever it needs a number; nobody else can take its tickets.

Tapes are filled in blocks from ``numpy.random.Generator`` instances seeded by
``SeedSequence(seed, spawn_key=(replication, purpose, ...))``, so results depend only on
(seed, replication) and never on the process, the machine or the order runs are executed:

>>> a = Streams(seed=7, replication=0, accounts=3)
>>> b = Streams(seed=7, replication=0, accounts=3)
>>> a.uniform("issues", 2) == b.uniform("issues", 2)
True
>>> c = Streams(seed=7, replication=1, accounts=3)
>>> a.uniform("issues", 2) == c.uniform("issues", 2)
False
"""

from __future__ import annotations

import math
from array import array
from statistics import NormalDist

import numpy as np

PURPOSES: tuple[str, ...] = (
    "portfolio",  # the starting book: ARR, tenure, health, renewal dates
    "arrivals",  # the prospect pipeline (one shared stream: arrivals are exogenous)
    "pipeline",  # sales cycles and conversions, per account
    "issues",  # issue arrivals and effort
    "renewals",  # renewal decisions
    "upsells",  # expansion opportunities and pitch outcomes
    "competitors",  # competitor approaches and defections
    "surveys",  # NPS survey timing, responses and scores
    "winback",  # win-back of former accounts
    "theory",  # per-account fixed renewal probabilities (theory mode)
)

_REFILL = 64  # numbers per refill block once an account has used its first block
_STD_NORMAL = NormalDist()


class Tape:
    """Uniform(0, 1) numbers for one purpose, a separate tape for each account.

    The first ``width`` numbers of the first ``rows`` accounts are drawn in one vectorised
    call and kept in a flat ``array('d')`` (8 bytes a number, Python floats on access). An
    account that needs more, or one created beyond ``rows``, gets further blocks from its own
    generator keyed by (account, block number), so the numbers an account sees never depend
    on what other accounts do.
    """

    __slots__ = ("_seed", "_key", "_rows", "_width", "_flat", "_pos", "_extra")

    def __init__(self, seed: int, key: tuple[int, ...], rows: int, width: int = 16) -> None:
        self._seed = seed
        self._key = key
        self._rows = rows
        self._width = width
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
        self._flat = array("d", rng.random(rows * width).tobytes())
        self._pos = [0] * rows
        self._extra: dict[int, list] = {}

    def next(self, account: int) -> float:
        """The next uniform number on ``account``'s tape, in [0, 1)."""
        if account < self._rows:
            p = self._pos[account]
            if p < self._width:
                self._pos[account] = p + 1
                return self._flat[account * self._width + p]
        return self._next_extra(account)

    def _next_extra(self, account: int) -> float:
        state = self._extra.get(account)
        if state is None or state[1] == _REFILL:
            block = 0 if state is None else state[2] + 1
            ss = np.random.SeedSequence(self._seed, spawn_key=(*self._key, account, block))
            state = [np.random.default_rng(ss).random(_REFILL).tolist(), 0, block]
            self._extra[account] = state
        u = state[0][state[1]]
        state[1] += 1
        return u


class Streams:
    """All random numbers of one replication, by purpose and account.

    Parameters
    ----------
    seed : the scenario seed.
    replication : replication number; each replication gets independent streams.
    accounts : accounts whose first block is drawn up front (the starting book plus the
        expected newcomers); later accounts still work, a little slower.
    widths : numbers per account in the first block, by purpose (default 16).
    """

    def __init__(
        self, seed: int, replication: int, accounts: int, widths: dict[str, int] | None = None
    ) -> None:
        self.seed = int(seed)
        self.replication = int(replication)
        self._accounts = accounts
        self._widths = widths or {}
        self._tapes: dict[str, Tape] = {}
        shared = np.random.SeedSequence(self.seed, spawn_key=(self.replication, len(PURPOSES)))
        self.arrivals = np.random.default_rng(shared)
        """One generator for the exogenous prospect-arrival process."""

    def tape(self, purpose: str) -> Tape:
        """The tape of one purpose (see :data:`PURPOSES`), created on first use."""
        tape = self._tapes.get(purpose)
        if tape is None:
            key = (self.replication, PURPOSES.index(purpose))
            width = self._widths.get(purpose, 16)
            tape = self._tapes[purpose] = Tape(self.seed, key, self._accounts, width)
        return tape

    def uniform(self, purpose: str, account: int) -> float:
        """Next uniform number for ``account`` and ``purpose``."""
        return self.tape(purpose).next(account)

    def generator(self, purpose: str) -> np.random.Generator:
        """A fresh generator for vectorised draws of one purpose (e.g. the starting book)."""
        idx = PURPOSES.index(purpose)
        ss = np.random.SeedSequence(self.seed, spawn_key=(self.replication, idx, 2**31))
        return np.random.default_rng(ss)


def exponential(u: float, mean: float) -> float:
    """Inverse-CDF exponential draw with the given mean from a uniform ``u``.

    >>> round(exponential(0.5, 10.0), 4)
    6.9315
    """
    return -mean * math.log1p(-u)


def normal(u: float, mean: float = 0.0, sd: float = 1.0) -> float:
    """Inverse-CDF normal draw from a uniform ``u`` (exact to double precision).

    >>> normal(0.5, 3.0, 2.0)
    3.0
    """
    return _STD_NORMAL.inv_cdf(min(max(u, 1e-300), 1.0 - 1e-16)) * sd + mean
