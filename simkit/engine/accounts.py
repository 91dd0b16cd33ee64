"""Accounts, their four stages, the outcome of a lost deal, and lazily computed health.

An account is one client relationship. A client moves through four lifecycle stages::

    prospect --> customer --> loyal --> former
        |            ^<-------'  |        |
        |            `-----------+--> former
        `--(deal lost)--> lost           |
    prospect <------- (win-back) --------'

- **prospect**: not buying yet; converts to customer after a sales cycle, or the deal is lost.
- **customer**: has a contract; renews, expands, contracts or churns.
- **loyal**: a customer whose relationship has matured (renewed, healthy). Loyal accounts
  churn less and buy more; an unhappy one drops back to customer.
- **former**: a customer who left -- churned at renewal or defected to a competitor
  mid-term. ARR is 0. A former customer is occasionally won back as a prospect.

A prospect whose deal is lost was never a client, so it does not become former: it leaves
the pipeline with the outcome **lost** (:data:`OUTCOMES`). ``lost`` is kept as a fifth state
so that every account is in exactly one state at every instant, but it is not a stage of the
client lifecycle, and churn figures never count it.

Only the moves in :data:`LEGAL_TRANSITIONS` exist; an account is in exactly one stage at a time.

Health (0-100) is never ticked day by day. An account stores its health at its last
health-changing event (``health_then``, at ``health_since``); in between, health drifts
towards a resting level by one formula, :func:`simkit.engine.rules.drifted_health`, and
:attr:`Account.health` applies it at the model's current time.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import simpy


class Stage(IntEnum):
    """The four lifecycle stages and the lost-deal outcome, as small integers (fast to store
    in the event log)."""

    PROSPECT = 0
    CUSTOMER = 1
    LOYAL = 2
    FORMER = 3
    LOST = 4

    @property
    def label(self) -> str:
        """Lower-case name used in DataFrames: ``"prospect"``, ``"customer"``, ..."""
        return STAGES[self]


STAGES: tuple[str, ...] = ("prospect", "customer", "loyal", "former", "lost")
"""Every state an account can be in: the four lifecycle stages in order, then ``lost``."""

LIFECYCLE_STAGES: tuple[str, ...] = ("prospect", "customer", "loyal", "former")
"""The client lifecycle of the articles: prospect -> customer -> loyal -> former."""

OUTCOMES: tuple[str, ...] = ("lost",)
"""States that are not lifecycle stages: a prospect whose deal was lost."""

ACTIVE_STAGES: tuple[str, ...] = ("customer", "loyal")
"""Stages that hold a contract and pay ARR."""

LEGAL_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("prospect", "customer"),  # deal won
        ("prospect", "lost"),  # deal lost: never a client, so not former
        ("customer", "loyal"),  # relationship matured
        ("customer", "former"),  # churned or defected
        ("loyal", "customer"),  # an unhappy loyal account drops back
        ("loyal", "former"),  # churned or defected
        ("former", "prospect"),  # won back
    }
)
"""Every stage change the model can make, as (before, after) pairs."""


def is_legal(before: str, after: str) -> bool:
    """Whether ``before -> after`` is an allowed stage change.

    >>> is_legal("prospect", "customer"), is_legal("prospect", "loyal")
    (True, False)
    """
    return (before, after) in LEGAL_TRANSITIONS


class Account:
    """One client account. Strategies read its attributes; only the model changes them.

    Attributes
    ----------
    id : position in the model's account list (stable for a given seed).
    segment : ``"key"``, ``"enterprise"``, ``"mid_market"`` or ``"small"``.
    stage : a :class:`Stage`.
    arr : annual recurring revenue now (0 unless customer or loyal).
    renewals : contracts renewed since the account (last) became a customer.
    customer_since : simulation day it last became a customer (None for prospects).
    contract_end : simulation day the current contract ends (None without a contract).
    open_issues : issues raised and not yet resolved.
    owner : index of the account manager who owns the relationship.
    health_then, health_since : health at the last health-changing event, and when it was.
    life : how many times the account has become a customer (a win-back starts a new life;
        processes of an earlier life end when they notice).
    """

    __slots__ = (
        "id",
        "segment",
        "seg",
        "stage",
        "arr",
        "potential_arr",
        "renewals",
        "customer_since",
        "contract_end",
        "term_days",
        "open_issues",
        "owner",
        "p_renew",
        "health_then",
        "health_since",
        "_model",
        "life",
        "checking_in",
        "alert_at",
        "watcher",
        "upsell_u",
        "approach_u",
        "last_touch",
    )

    def __init__(self, model: object, id: int, segment: str, seg: int, stage: Stage) -> None:
        self._model = model
        self.id = id
        self.segment = segment
        self.seg = seg
        self.stage = stage
        self.arr = 0.0
        self.potential_arr = 0.0
        self.renewals = 0
        self.customer_since: float | None = None
        self.contract_end: float | None = None
        self.term_days = 365.0
        self.open_issues = 0
        self.owner = 0
        self.p_renew = 0.0
        self.health_then = 50.0
        self.health_since = 0.0
        self.life = 0
        self.checking_in = 0
        self.alert_at: float | None = None  # when a sleeping health watcher will look again
        self.watcher: object = None  # the health-watch process (strategies with alerts)
        self.upsell_u = 0.0  # the draws that will decide the next pitch and competitor call
        self.approach_u = 0.0
        self.last_touch = -math.inf

    @property
    def health(self) -> float:
        """Health now (0-100), drifted from the last event to the model's current time."""
        return self._model.health_of(self)  # type: ignore[attr-defined]

    @property
    def active(self) -> bool:
        """True for customers and loyal accounts (they hold a contract and pay ARR)."""
        return self.stage == Stage.CUSTOMER or self.stage == Stage.LOYAL

    @property
    def tenure_days(self) -> float:
        """Days since the account (last) became a customer; 0 for prospects and formers."""
        if self.customer_since is None or not self.active:
            return 0.0
        env: simpy.Environment = self._model.env  # type: ignore[attr-defined]
        return env.now - self.customer_since

    def __repr__(self) -> str:
        return (
            f"<Account {self.id} {self.segment} {self.stage.label} "
            f"arr={self.arr:,.0f} health={self.health:.0f}>"
        )
