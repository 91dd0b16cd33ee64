"""The event vocabulary and the compact event log every run records.

Everything that happens to an account is one row of the log: *when* (``time``), *to whom*
(``account``), *what* (``event``, one of :data:`EVENTS`), the stage before and after, the
account's ARR and health after the event, and a few event-specific fields. The log alone
tells every account's stage and ARR at any moment, which is what the analysis layer counts.

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


class EventLog:
    """Compact storage of events: rows are appended as tuples (one cheap call per event)
    and packed into one numpy array per column a block at a time (:meth:`flush`), so the
    columns can become a DataFrame without another copy of the whole log.
    """

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self._chunks: dict[str, list[np.ndarray]] = {name: [] for name in LOG_DTYPE.names}
        self.details: dict[str, int] = {}

    def flush(self) -> None:
        """Pack the pending rows into the column chunks."""
        if self.rows:
            block = np.array(self.rows, dtype=LOG_DTYPE)
            self.rows.clear()
            for name, chunks in self._chunks.items():
                chunks.append(np.ascontiguousarray(block[name]))

    def column(self, name: str) -> np.ndarray:
        """One column of every event so far (a field of :data:`LOG_DTYPE`)."""
        self.flush()
        chunks = self._chunks[name]
        if len(chunks) != 1:
            chunks[:] = [np.concatenate(chunks) if chunks else np.empty(0, LOG_DTYPE[name])]
        return chunks[0]

    def detail_code(self, label: str) -> int:
        """Small integer for a detail label (``"qbr"``, ``"competitor"``, ...)."""
        code = self.details.get(label)
        if code is None:
            code = self.details[label] = len(self.details)
        return code

    def __len__(self) -> int:
        return sum(len(c) for c in self._chunks["time"]) + len(self.rows)
