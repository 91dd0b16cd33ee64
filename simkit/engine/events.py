"""The event vocabulary and the compact event log every run records.

Everything that happens to an account is one row of the log: *when* (``time``), *to whom*
(``account``), *what* (``event``, one of :data:`EVENTS`), the stage before and after, the
account's ARR and health after the event, and a few event-specific fields. The log alone
tells every account's stage and ARR at any moment, which is what the analysis layer counts.

A run records one of two logs (``record=`` of :func:`~simkit.engine.model.simulate`):

``"events"`` -- the full log, every event with every field (:data:`LOG_DTYPE`), for people
    who look at events: an account's story, ``simkit run --out``, the lessons;
``"summary"`` -- the *lean* log: only the rows and columns the counting core
    (:mod:`simkit.analysis.counts`) reads (:data:`LEAN_DTYPE`, :data:`LEAN_SKIPS`). Every
    summary of a lean run is exactly that of the same run recorded in full, for less memory
    and time; compare, sweeps and sensitivity record this way.

>>> EVENTS[:3]
('init', 'arrival', 'convert')
>>> log = EventLog()
>>> log.rows.append((0.0, 7, EVENT_CODE["init"], -1, 1, 100.0, 0.0, 50.0, float("nan"), 0.0, -1))
>>> int(log.column("account")[0]), len(log)
(7, 1)
"""

from __future__ import annotations

import numpy as np

EVENTS: tuple[str, ...] = (
    "init",  # state of every account when measurement starts
    "arrival",  # a new prospect enters the pipeline
    "convert",  # prospect -> customer (deal won)
    "lost",  # prospect -> lost (deal lost: the prospect leaves the pipeline, never a client)
    "renew",  # contract renewed
    "promote",  # customer -> loyal
    "demote",  # loyal -> customer
    "contract",  # ARR reduced at renewal (downsell)
    "churn",  # -> former at renewal
    "defect",  # -> former mid-term, to a competitor
    "upsell",  # expansion won
    "upsell_fail",  # pitch declined
    "opportunity_missed",  # expansion opportunity not pitched (whitespace left)
    "issue_open",
    "issue_resolved",
    "touch",  # proactive work: check-in, QBR, review, rescue (detail says which)
    "survey",  # NPS answer (value = score 0-10)
    "approach",  # competitor approach resisted
    "winback",  # former -> prospect
    "touch_missed",  # proactive work that could not start in its window (detail: which)
    # appended later (existing codes unchanged): opt-in relationship features
    "referral",  # a promoter referred a prospect (value: the new prospect's account id)
    "champion_left",  # a key account's champion left (value: health lost)
    "project_end",  # a one-off project ended without renewal (a churn row follows)
    "project_ongoing",  # a project client became an ongoing account (value: its health)
)
"""Event types in the event log. ``value`` holds: survey score, resolution days
(issue_resolved), renewal probability (renew/churn), defection probability (approach/defect)."""

EVENT_CODE: dict[str, int] = {name: i for i, name in enumerate(EVENTS)}
"""Small integer stored in the log for each event type."""


LOG_DTYPE = np.dtype(
    [
        ("time", "f8"),
        ("account", "i8"),
        ("event", "i1"),
        ("before", "i1"),
        ("after", "i1"),
        ("arr", "f8"),
        ("arr_change", "f8"),
        ("health", "f8"),
        ("value", "f8"),
        ("hours", "f8"),
        ("detail", "i2"),
    ]
)
"""One event-log row, packed (61 bytes)."""

LEAN_DTYPE = np.dtype([(name, LOG_DTYPE[name]) for name in LOG_DTYPE.names if name != "health"])
"""One row of a lean log (53 bytes): every column but ``health``, which no count reads (and
which costs a drift computation per event to log)."""

LEAN_SKIPS: frozenset[str] = frozenset(
    {"issue_open", "opportunity_missed", "approach", "referral", "champion_left"}
    | {"project_end", "project_ongoing"}
)
"""Events a lean log leaves out. Each changes neither the account's stage nor its ARR,
takes no manager hours, and is counted by no entry of :data:`simkit.analysis.counts.COUNTS`,
so leaving its row out changes no count: an account's state at any time is still that of
its last row (the row left out repeated it), and every sum loses only zeros. (A
``project_end`` is always followed by the ``churn`` row that counts the loss.) They are
about 40 % of a default run's rows."""

LEAN_CODE: dict[str, int | None] = {
    name: None if name in LEAN_SKIPS else code for name, code in EVENT_CODE.items()
}
"""An event's code in a lean log, or None for the events it leaves out."""


class EventLog:
    """Compact storage of events: rows are appended as tuples (one cheap call per event)
    and packed into one numpy array per column a block at a time (:meth:`flush`), so the
    columns can become a DataFrame without another copy of the whole log.

    ``dtype`` says the columns: :data:`LOG_DTYPE` (the full log) or :data:`LEAN_DTYPE`.
    """

    def __init__(self, dtype: np.dtype = LOG_DTYPE) -> None:
        self.dtype = dtype
        self.rows: list[tuple] = []
        self._chunks: dict[str, list[np.ndarray]] = {name: [] for name in dtype.names}
        self.details: dict[str, int] = {}

    @property
    def lean(self) -> bool:
        """Whether this is a lean log (no ``health`` column, no :data:`LEAN_SKIPS` rows)."""
        return "health" not in self._chunks

    def flush(self) -> None:
        """Pack the pending rows into the column chunks."""
        if self.rows:
            block = np.array(self.rows, dtype=self.dtype)
            self.rows.clear()
            for name, chunks in self._chunks.items():
                chunks.append(np.ascontiguousarray(block[name]))

    def column(self, name: str) -> np.ndarray:
        """One column of every event so far (a field of the log's ``dtype``)."""
        self.flush()
        chunks = self._chunks[name]
        if len(chunks) != 1:
            chunks[:] = [np.concatenate(chunks) if chunks else np.empty(0, self.dtype[name])]
        return chunks[0]

    def put_column(self, name: str, values: np.ndarray) -> None:
        """Set column ``name`` to ``values``, one packed array (building a log from columns,
        as the merge of territories' logs does; every column must end up the same length)."""
        self.flush()
        self._chunks[name] = [np.asarray(values, self.dtype[name])]

    def release_column(self, name: str) -> None:
        """Free column ``name``'s memory once it has been copied elsewhere (a merge frees
        each territory's column as it goes); the log has no such column afterwards."""
        self.flush()
        self._chunks[name] = []

    def detail_code(self, label: str) -> int:
        """Small integer for a detail label (``"qbr"``, ``"competitor"``, ...)."""
        code = self.details.get(label)
        if code is None:
            code = self.details[label] = len(self.details)
        return code

    def __len__(self) -> int:
        return sum(len(c) for c in self._chunks["time"]) + len(self.rows)
