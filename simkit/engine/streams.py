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

>>> a = Streams(seed=7, replication=0)
>>> b = Streams(seed=7, replication=0)
>>> a.uniform("issues", 2) == b.uniform("issues", 2)
True
>>> c = Streams(seed=7, replication=1)
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
    # appended later: opt-in relationship features (existing purposes keep their index)
    "referrals",  # whether a promoter's answer brings a referred prospect, and its segment
    "champions",  # when a key account's champion leaves
    "projects",  # whether a new customer buys a one-off project
)

ARRIVALS_KEY = 10
"""The spawn key of the shared arrivals stream: the number of purposes before the
relationship purposes were appended, fixed so that adding a purpose never changes arrivals.
(A purpose's tapes use three-part keys, so the purpose of index 10 cannot collide with it.)"""

TERRITORY_ARRIVALS, TERRITORY_TAPE, TERRITORY_GENERATOR = 2**34, 2**35, 2**36
"""Spawn-key offsets of a territory's own streams (its arrivals, the tapes of its new
prospects, its vectorised generators), plus the territory's number: far above any account,
chunk (2**32 + chunk) or pooled generator (2**31) key, so no two streams share a key."""

_CHUNK = 256  # accounts whose first blocks are drawn together, in one vectorised call
_REFILL = 64  # numbers per refill block once an account has used its first block
_STD_NORMAL = NormalDist()

WIDTHS: dict[str, int] = {
    "issues": 24,
    "upsells": 12,
    "competitors": 8,
    "surveys": 16,
    "renewals": 8,
    "pipeline": 4,
    "winback": 2,
    "portfolio": 4,
    "theory": 2,
    "referrals": 8,
    "champions": 4,
    "projects": 2,
}
"""Numbers per account in the first block of each purpose: a fixed part of the stream's
layout, so the numbers an account sees never depend on the scenario or horizon."""


class Tape:
    """Uniform(0, 1) numbers for one purpose, a separate tape for each account.

    Account ``i``'s first ``width`` numbers come from chunk ``i // 256``: one vectorised draw
    from a generator keyed by (replication, purpose, chunk), stored in a flat ``array('d')``
    (8 bytes a number, Python floats on access). Numbers beyond the first block come from
    the account's own generator keyed by (account, block number). Every number is therefore
    a function of (seed, replication, purpose, account, position) alone: it does not depend
    on how many accounts exist, how long the run is, or what other accounts did.

    A territory's tape (``keys`` given, see :class:`TerritoryKeys`) numbers its accounts
    0, 1, ... within the territory but hands each book account the numbers of its *book*
    position -- the very numbers it gets in a pooled run -- and each new prospect numbers of
    the territory's own; so a territory's numbers depend on the territory, never on which
    worker runs it or what other territories do.
    """

    __slots__ = ("_seed", "_key", "_width", "_flat", "_pos", "_extra", "_seeders", "_keys", "_last")

    def __init__(
        self, seed: int, key: tuple[int, ...], width: int = 16, keys: TerritoryKeys | None = None
    ) -> None:
        self._seed = seed
        self._key = key
        self._width = width
        self._flat = array("d")
        self._pos: list[int] = []
        self._extra: dict[int, list] = {}
        self._seeders: dict[tuple[int, ...], _BlockSeeder] = {}
        self._keys = keys
        self._last: dict[tuple[int, ...], tuple[int, np.ndarray]] = {}  # last chunk drawn, per key

    def next(self, account: int) -> float:
        """The next uniform number on ``account``'s tape, in [0, 1)."""
        try:
            p = self._pos[account]
        except IndexError:
            self._grow(account)
            p = 0
        if p < self._width:
            self._pos[account] = p + 1
            return self._flat[account * self._width + p]
        return self._next_extra(account)

    def _grow(self, account: int) -> None:
        """Draw the first blocks of every chunk up to the one holding ``account``."""
        while len(self._pos) <= account:
            chunk = len(self._pos) // _CHUNK
            if self._keys is None:
                self._flat.frombytes(self._chunk(self._key, chunk).tobytes())
            else:
                self._flat.frombytes(self._territory_chunk(chunk).tobytes())
            self._pos.extend([0] * _CHUNK)

    def _chunk(self, key: tuple[int, ...], chunk: int) -> np.ndarray:
        """The first blocks of 256 accounts (one row each) of the tape keyed ``key``."""
        last = self._last.get(key)
        if last is None or last[0] != chunk:
            rows = None
            if self._keys is not None:  # territories of one book share its chunks: keep them
                rows = _BOOK_CHUNKS.get((self._seed, *key, chunk))
            if rows is None:
                ss = np.random.SeedSequence(self._seed, spawn_key=(*key, 2**32 + chunk))
                rows = np.random.default_rng(ss).random(_CHUNK * self._width)
                rows = rows.reshape(_CHUNK, self._width)
                if self._keys is not None and len(key) == 2:
                    _BOOK_CHUNKS.keep((self._seed, *key, chunk), rows)
            last = self._last[key] = (chunk, rows)
        return last[1]

    def _territory_chunk(self, chunk: int) -> np.ndarray:
        """A territory's chunk: book accounts' rows from the book's tape, new ones' from its own."""
        assert self._keys is not None
        rows = np.empty((_CHUNK, self._width))
        lo = chunk * _CHUNK
        for key, index, at in self._keys.routes(self._key, lo, lo + _CHUNK):
            for c in np.unique(index // _CHUNK):  # book positions ascend: few chunks each
                mine = index // _CHUNK == c
                rows[at[mine] - lo] = self._chunk(key, int(c))[index[mine] % _CHUNK]
        return rows

    def _next_extra(self, account: int) -> float:
        state = self._extra.get(account)
        if state is None or state[1] == _REFILL:
            block = 0 if state is None else state[2] + 1
            key, index = self._key, account
            if self._keys is not None:
                key, index = self._keys.route(self._key, account)
            seeder = self._seeders.get(key)
            if seeder is None:
                seeder = self._seeders[key] = _BlockSeeder(self._seed, key)
            numbers = seeder.block(index, block)
            state = [numbers, 0, block]  # 8 bytes a number, not a Python float each
            self._extra[account] = state
        u = state[0][state[1]]
        state[1] += 1
        return u


class _ChunkCache:
    """Chunks of the book's tapes already drawn in this process. Territory models each read a
    share of the book's accounts, spread over all its chunks (round robin), so the chunks are
    kept for the next territory instead of being drawn again by every one. At most
    :attr:`LIMIT` numbers (256 MiB) of one (seed, replication) are kept; past it, or for
    another replication, the kept chunks are dropped."""

    LIMIT = 2**25

    def __init__(self) -> None:
        self.rows: dict[tuple[int, ...], np.ndarray] = {}
        self.size = 0

    def get(self, key: tuple[int, ...]) -> np.ndarray | None:
        return self.rows.get(key)

    def keep(self, key: tuple[int, ...], rows: np.ndarray) -> None:
        """Keep ``rows`` under ``key`` = (seed, replication, purpose, chunk): only one
        replication's book at a time, so a long-lived worker does not hoard old books."""
        last = next(iter(self.rows), None)
        if self.size + rows.size > self.LIMIT or (last is not None and last[:2] != key[:2]):
            self.rows.clear()
            self.size = 0
        self.rows[key] = rows
        self.size += rows.size


_BOOK_CHUNKS = _ChunkCache()


# SeedSequence and PCG64 constants (numpy's documented, stream-compatible algorithms)
_M32, _M128 = 0xFFFFFFFF, (1 << 128) - 1
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645
_FAST_SEEDING: bool | None = None  # checked against numpy once per process


def _words(n: int) -> list[int]:
    """``n`` as little-endian 32-bit words, the way SeedSequence reads an integer."""
    out = [n & _M32]
    n >>= 32
    while n:
        out.append(n & _M32)
        n >>= 32
    return out


class _BlockSeeder:
    """The refill blocks of one tape, drawn as
    ``default_rng(SeedSequence(seed, spawn_key=(*key, account, block))).random(64)``
    but about twice as fast: the SeedSequence pool is mixed with the seed and the tape's
    key once, and only the account and block words are mixed in per block (numpy spends
    most of its time converting and mixing the whole key every time). The result is
    checked against numpy once per process, and numpy's own path is used if they differ.
    """

    __slots__ = ("_seed", "_key", "_pool", "_hash", "_bitgen", "_gen")

    def __init__(self, seed: int, key: tuple[int, ...]) -> None:
        self._seed, self._key = seed, key
        entropy = _words(seed)
        entropy += [0] * (4 - len(entropy))  # padded to the pool size when spawning
        entropy += [w for k in key for w in _words(k)]
        h, pool = _INIT_A, [0, 0, 0, 0]

        def hashmix(v: int) -> int:
            nonlocal h
            v ^= h
            h = (h * _MULT_A) & _M32
            v = (v * h) & _M32
            return v ^ (v >> 16)

        def mix(x: int, y: int) -> int:
            r = (_MIX_L * x - _MIX_R * y) & _M32
            return r ^ (r >> 16)

        for i in range(4):
            pool[i] = hashmix(entropy[i])
        for src in range(4):
            for dst in range(4):
                if src != dst:
                    pool[dst] = mix(pool[dst], hashmix(pool[src]))
        for word in entropy[4:]:
            for dst in range(4):
                pool[dst] = mix(pool[dst], hashmix(word))
        self._pool, self._hash = pool, h
        self._bitgen = np.random.PCG64(0)
        self._gen = np.random.Generator(self._bitgen)

    def block(self, account: int, block: int) -> array:
        """The ``block``-th refill block of ``account`` (64 uniform numbers)."""
        global _FAST_SEEDING
        if _FAST_SEEDING is None:
            _FAST_SEEDING = all(self._fast(a, b) == self._numpy(a, b) for a, b in _CHECKS)
        return self._fast(account, block) if _FAST_SEEDING else self._numpy(account, block)

    def _numpy(self, account: int, block: int) -> array:
        ss = np.random.SeedSequence(self._seed, spawn_key=(*self._key, account, block))
        return array("d", np.random.default_rng(ss).random(_REFILL).tobytes())

    def _fast(self, account: int, block: int) -> array:
        pool, h = list(self._pool), self._hash
        for word in (*_words(account), *_words(block)):
            for dst in range(4):
                v = word ^ h
                h = (h * _MULT_A) & _M32
                v = (v * h) & _M32
                v ^= v >> 16
                r = (_MIX_L * pool[dst] - _MIX_R * v) & _M32
                pool[dst] = r ^ (r >> 16)
        h, state = _INIT_B, []
        for i in range(8):  # SeedSequence.generate_state(4, uint64), as 32-bit words
            v = pool[i & 3] ^ h
            h = (h * _MULT_B) & _M32
            v = (v * h) & _M32
            state.append(v ^ (v >> 16))
        seed = (state[1] << 96) | (state[0] << 64) | (state[3] << 32) | state[2]
        inc = (((state[5] << 96) | (state[4] << 64) | (state[7] << 32) | state[6]) << 1 | 1) & _M128
        self._bitgen.state = {  # PCG64 seeding: state 0, step, add the seed, step
            "bit_generator": "PCG64",
            "state": {"state": ((inc + seed) * _PCG_MULT + inc) & _M128, "inc": inc},
            "has_uint32": 0,
            "uinteger": 0,
        }
        return array("d", self._gen.random(_REFILL).tobytes())


_CHECKS = ((0, 0), (7, 1), (2**32 + 3, 2))


class TerritoryKeys:
    """Which numbers each account of one territory draws.

    A territory model numbers its accounts 0, 1, ...: first its share of the starting book
    (``book``: their positions in the whole book, ascending), then the prospects that arrive
    in it. Book account ``l`` draws from position ``book[l]`` of the book's tapes -- the same
    luck it has in a pooled run -- and new prospect ``j`` from position ``j`` of a tape of
    the territory's own.

    >>> keys = TerritoryKeys(territory=1, book=[3, 8])
    >>> keys.route((0, 4), 1), keys.route((0, 4), 2)
    (((0, 4), 8), ((0, 4, 34359738369), 0))
    """

    __slots__ = ("territory", "book")

    def __init__(self, territory: int, book: np.ndarray | list[int]) -> None:
        self.territory = int(territory)
        self.book = np.asarray(book, dtype=np.int64)

    def route(self, key: tuple[int, ...], local: int) -> tuple[tuple[int, ...], int]:
        """The tape key and position of local account ``local``."""
        n = len(self.book)
        if local < n:
            return key, int(self.book[local])
        return (*key, TERRITORY_TAPE + self.territory), local - n

    def routes(
        self, key: tuple[int, ...], lo: int, hi: int
    ) -> list[tuple[tuple[int, ...], np.ndarray, np.ndarray]]:
        """:meth:`route` for local accounts ``lo`` to ``hi - 1``: (key, positions, locals)."""
        n = len(self.book)
        out = []
        if lo < n:
            at = np.arange(lo, min(hi, n))
            out.append((key, self.book[at], at))
        if hi > n:
            at = np.arange(max(lo, n), hi)
            out.append(((*key, TERRITORY_TAPE + self.territory), at - n, at))
        return out


class Streams:
    """All random numbers of one replication, by purpose and account.

    Parameters
    ----------
    seed : the scenario seed.
    replication : replication number; each replication gets independent streams.
    territory : for one territory of a run with territories (see
        :mod:`simkit.engine.territories`): its account keys. Its arrivals and vectorised
        generators are then its own, keyed by the territory's number.
    """

    def __init__(self, seed: int, replication: int, territory: TerritoryKeys | None = None) -> None:
        self.seed = int(seed)
        self.replication = int(replication)
        self.territory = territory
        self._tapes: dict[str, Tape] = {}
        key: tuple[int, ...] = (self.replication, ARRIVALS_KEY)
        if territory is not None:
            key = (*key, TERRITORY_ARRIVALS + territory.territory)
        self.arrivals = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))
        """One generator for the exogenous prospect-arrival process."""

    def tape(self, purpose: str) -> Tape:
        """The tape of one purpose (see :data:`PURPOSES`), created on first use."""
        tape = self._tapes.get(purpose)
        if tape is None:
            key = (self.replication, PURPOSES.index(purpose))
            width = WIDTHS.get(purpose, 16)
            tape = self._tapes[purpose] = Tape(self.seed, key, width, self.territory)
        return tape

    def uniform(self, purpose: str, account: int) -> float:
        """Next uniform number for ``account`` and ``purpose``."""
        return self.tape(purpose).next(account)

    def generator(self, purpose: str) -> np.random.Generator:
        """A fresh generator for vectorised draws of one purpose (e.g. the starting book)."""
        idx = PURPOSES.index(purpose)
        own = 2**31 if self.territory is None else TERRITORY_GENERATOR + self.territory.territory
        ss = np.random.SeedSequence(self.seed, spawn_key=(self.replication, idx, own))
        return np.random.default_rng(ss)


def exponential(u: float, mean: float) -> float:
    """Inverse-CDF exponential draw with the given mean from a uniform ``u``.

    >>> round(exponential(0.5, 10.0), 4)
    6.9315
    """
    return -mean * math.log1p(-u)


def geometric(u: float, p: float) -> int:
    """Inverse-CDF geometric draw from a uniform ``u``: how many tries fail before the first
    success, when each succeeds with probability ``p`` (0 if ``p`` is 1, never if ``p`` is 0).

    >>> geometric(0.1, 0.5), geometric(0.9, 0.5), geometric(0.9, 1.0)
    (0, 3, 0)
    """
    if p >= 1.0:
        return 0
    if p <= 0.0:
        raise ValueError("geometric needs p > 0: with p = 0 the first success never comes")
    return int(math.log1p(-u) / math.log1p(-p))


def normal(u: float, mean: float = 0.0, sd: float = 1.0) -> float:
    """Inverse-CDF normal draw from a uniform ``u`` (exact to double precision).

    >>> normal(0.5, 3.0, 2.0)
    3.0
    """
    return _STD_NORMAL.inv_cdf(min(max(u, 1e-300), 1.0 - 1e-16)) * sd + mean
