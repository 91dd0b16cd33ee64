"""What the lessons and the dashboard read out of an event log: small tables and stories.

The lessons ask concrete questions of a run -- where is the money in the starting book?
how much expansion was left unpitched? how many of a cohort are still customers after
each year? what happened to account 17? -- and the dashboard asks one more: which
accounts did one strategy lose that another kept? Each function here answers one such
question from a run's public record (:class:`~simkit.engine.results.Results`: its
``events``, ``snapshots`` and ``accounts`` frames), as a table, a list or a few sentences,
with no widgets or figures (those are in :mod:`simkit.ui` and :mod:`simkit.viz`).

>>> from simkit.engine.model import simulate
>>> from simkit.engine.scenario import default_scenario
>>> res = simulate(default_scenario().update({"horizon_years": 1}))
>>> book = book_by_segment(res)
>>> list(book.index)
['key', 'enterprise', 'mid_market', 'small']
>>> account_story(res, interesting_account(res, event="churn")).count("did not renew")
1
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simkit.analysis.economics import RETURN_DESCRIPTION, RETURN_LABEL
from simkit.analysis.metric import Metric
from simkit.engine.accounts import ACTIVE_STAGES
from simkit.engine.events import EVENTS
from simkit.engine.results import Results
from simkit.engine.scenario import SEGMENTS

__all__ = [
    "EXITS",
    "METRICS_DOC",
    "account_story",
    "book_by_segment",
    "clearly",
    "cohort_survival",
    "fate_text",
    "fates",
    "generated_metrics_table",
    "interesting_account",
    "metrics_reference",
    "new_clients_who_left",
    "paying_clients",
    "update_metrics_doc",
    "whitespace_by_segment",
]

EXITS = ("churn", "defect")
"""Events by which a customer leaves (and becomes former): not renewing, or leaving mid-term
for a competitor. A lost deal (event ``lost``) is no exit: the prospect was never a client."""

_STAGE_NOUN = {
    "prospect": "a prospect",
    "customer": "a customer",
    "loyal": "a loyal customer",
    "former": "a former customer",
    "lost": "a lost deal (never a customer)",
}


# ------------------------------------------------------------------ the book and its money
def book_by_segment(results: Results) -> pd.DataFrame:
    """The starting book by segment: accounts, ARR, ARR per account, shares and mean health.

    Counts the paying accounts at the start of measurement (the ``init`` events of
    customers and loyal customers). One row per segment, in the kit's segment order.

    >>> from simkit.engine.model import simulate
    >>> from simkit.engine.scenario import default_scenario
    >>> res = simulate(default_scenario().update({"horizon_years": 0.5}))
    >>> book = book_by_segment(res)
    >>> list(book.columns[:3])
    ['accounts', 'ARR', 'ARR per account']
    >>> round(float(book["share of ARR (%)"].sum()), 6)
    100.0
    """
    ev = results.events
    start = ev[(ev["event"] == "init") & ev["stage_after"].isin(ACTIVE_STAGES)]
    g = start.groupby("segment", observed=False)
    out = pd.DataFrame({"accounts": g.size(), "ARR": g["arr"].sum()}).reindex(list(SEGMENTS))
    out["ARR per account"] = out["ARR"] / out["accounts"].replace(0, np.nan)
    out["share of accounts (%)"] = 100 * out["accounts"] / out["accounts"].sum()
    out["share of ARR (%)"] = 100 * out["ARR"] / out["ARR"].sum()
    out["mean health"] = g["health"].mean().reindex(list(SEGMENTS))
    out.index.name = "segment"
    return out


def _tagged_events(source: Any) -> pd.DataFrame:
    """Events with ``strategy`` and ``replication`` columns, from a run or a comparison."""
    if isinstance(source, Results):
        return source.tagged("events")
    events = getattr(source, "events", None)  # a Comparison kept with keep=True
    if isinstance(events, pd.DataFrame) and {"strategy", "replication"} <= set(events.columns):
        return events
    raise TypeError(
        f"expected Results or a Comparison run with keep=True, got {type(source).__name__}"
    )


def whitespace_by_segment(source: Any) -> pd.DataFrame:
    """Expansion opportunities by segment: pitched, won, ARR won, and ARR left on the table.

    An opportunity is *whitespace left* when it appeared but was never pitched (event
    ``opportunity_missed``; its ``value`` is the ARR it could have added). ``source`` is a
    run or a comparison that kept its runs (``compare(..., keep=True)``); figures are per
    run, averaged over the runs of a comparison.

    >>> from simkit.engine.model import simulate
    >>> from simkit.engine.scenario import default_scenario
    >>> res = simulate(default_scenario().update({"horizon_years": 1}), "reactive")
    >>> t = whitespace_by_segment(res)
    >>> bool((t["opportunities"] == t["pitched"] + t["not pitched"]).all())
    True
    """
    ev = _tagged_events(source)
    runs = max(ev.groupby(["strategy", "replication"], observed=True).ngroups, 1)
    name = ev["event"].astype(str)
    pitched = name.isin(["upsell", "upsell_fail"])
    won, missed = name.eq("upsell"), name.eq("opportunity_missed")
    ev = ev.assign(
        pitched=pitched,
        won=won,
        missed=missed,
        won_arr=np.where(won, ev["arr_change"], 0.0),
        missed_arr=np.where(missed, ev["value"], 0.0),
    )
    g = ev.groupby("segment", observed=False)
    out = pd.DataFrame(
        {
            "opportunities": g["pitched"].sum() + g["missed"].sum(),
            "pitched": g["pitched"].sum(),
            "won": g["won"].sum(),
            "not pitched": g["missed"].sum(),
            "won_arr": g["won_arr"].sum(),
            "missed_arr": g["missed_arr"].sum(),
        }
    ).reindex(list(SEGMENTS))
    out = out / runs
    out["win rate (%)"] = 100 * out["won"] / out["pitched"].replace(0, np.nan)
    out.index.name = "segment"
    return out


def cohort_survival(results: Results, period_days: float = 365.0) -> list[int]:
    """Accounts of the starting cohort still customers at the end of each period.

    Element 0 is the cohort size (the paying accounts at the start); element ``k`` counts
    those that had not churned or defected by day ``k * period_days``. Accounts that arrive
    later are not part of the cohort. Feed it to :func:`simkit.analysis.retention.fit_sbg`.

    >>> from simkit.engine.model import simulate
    >>> from simkit.engine.scenario import default_scenario
    >>> s = default_scenario().update({"start": "cohort", "warmup_years": 0,
    ...     "horizon_years": 3, "theory": {"renewal": "constant", "r": 0.8}})
    >>> counts = cohort_survival(simulate(s))
    >>> counts[0], len(counts)
    (500, 4)
    """
    if not period_days > 0:
        raise ValueError(f"period_days must be > 0, got {period_days!r}")
    ev = results.events
    cohort = ev[(ev["event"] == "init") & ev["stage_after"].isin(ACTIVE_STAGES)]
    ids = set(cohort["account"])
    exits = ev[ev["event"].isin(EXITS) & ev["account"].isin(ids)]
    first_exit = exits.groupby("account")["time"].min().to_numpy()
    periods = int(math.floor(results.scenario.horizon_days / period_days + 1e-9))
    return [len(ids) - int((first_exit <= k * period_days).sum()) for k in range(periods + 1)]


# ------------------------------------------------------------------ one account's story
def interesting_account(
    results: Results, segment: str | None = None, event: str | None = None
) -> int:
    """An account with an eventful story (the most kinds of events), for a lesson to follow.

    ``segment`` keeps accounts of one segment; ``event`` keeps accounts whose story contains
    that event (e.g. ``"churn"`` for a story that ends in a departure). Ties go to the
    account with more events, then to the lowest id, so the choice is reproducible.

    >>> from simkit.engine.model import simulate
    >>> from simkit.engine.scenario import default_scenario
    >>> res = simulate(default_scenario().update({"horizon_years": 1}))
    >>> a = interesting_account(res, "mid_market", event="churn")
    >>> "churn" in set(res.story(a)["event"])
    True
    """
    ev = results.events
    if segment is not None:
        if segment not in SEGMENTS:
            raise ValueError(f"segment must be one of {SEGMENTS}, got {segment!r}")
        ev = ev[ev["segment"] == segment]
    if event is not None:
        if event not in EVENTS:
            raise ValueError(f"event must be one of {', '.join(EVENTS)}; got {event!r}")
        ev = ev[ev["account"].isin(ev.loc[ev["event"] == event, "account"])]
    if ev.empty:
        raise ValueError("no account matches; try another segment or event")
    kinds = ev.groupby("account")["event"].nunique()
    counts = ev.groupby("account").size()
    score = kinds * 1000 + counts.clip(upper=999)
    return int(score.sort_values(ascending=False, kind="stable").index[0])


def _many(n: int, one: str, more: str | None = None) -> str:
    return f"{n} {one if n == 1 else more or one + 's'}"


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def account_story(results: Results, account: int) -> str:
    """One account's story from the event log, in plain words.

    How it started, the deal, its issues and how long they took, the touches it got, its
    survey answers, the deals it took or refused, renewals and loyalty, how it left (if it
    did) and where it ended. Counts are exact (``"It raised 3 issues"``).

    >>> from simkit.engine.model import simulate
    >>> from simkit.engine.scenario import default_scenario
    >>> res = simulate(default_scenario().update({"horizon_years": 1}))
    >>> account_story(res, 0).startswith("Account 0 (")
    True
    """
    story = results.story(account)
    name = story["event"].astype(str)
    count = name.value_counts()
    first, last = story.iloc[0], story.iloc[-1]
    seg = str(first["segment"]).replace("_", "-")

    def paying(row: pd.Series) -> str:
        return f" paying {row['arr']:,.0f} a year" if row["arr"] > 0 else ""

    if first["event"] == "init":
        opening = f"was {_STAGE_NOUN[str(first['stage_after'])]}{paying(first)} on day 0."
    else:
        opening = f"arrived as a prospect on day {first['time']:.0f}."
    parts = [f"Account {account} ({seg}) {opening}"]
    if count.get("convert", 0):
        won = story[name == "convert"].iloc[0]
        parts.append(f"The deal was won on day {won['time']:.0f}{paying(won)}.")
    if count.get("issue_open", 0):
        waits = story.loc[name == "issue_resolved", "value"]
        wait = f", each fixed after {waits.mean():.1f} days on average" if len(waits) else ""
        parts.append(f"It raised {_many(int(count['issue_open']), 'issue')}{wait}.")
    touches = story.loc[name == "touch", "detail"].astype(str).value_counts()
    if len(touches):
        listed = ", ".join(f"{_many(int(n), k.replace('_', ' '))}" for k, n in touches.items() if n)
        parts.append(f"Its account manager reached out {_times(int(touches.sum()))} ({listed}).")
    elif str(first["stage_after"]) != "prospect" or count.get("convert", 0):
        parts.append("Nobody contacted it unless it called with a problem.")
    if count.get("touch_missed", 0):
        n = int(count["touch_missed"])
        parts.append(f"{_many(n, 'planned touch was', 'planned touches were')} missed: no "
                     "manager was free in time.")  # fmt: skip
    if count.get("survey", 0):
        scores = ", ".join(str(int(v)) for v in story.loc[name == "survey", "value"])
        parts.append(f"Its survey answers (0-10) were {scores}.")
    deals = []
    if count.get("upsell", 0):
        deals.append(f"bought more {_times(int(count['upsell']))}")
    if count.get("upsell_fail", 0):
        deals.append(f"said no to {_many(int(count['upsell_fail']), 'pitch', 'pitches')}")
    if count.get("opportunity_missed", 0):
        n = int(count["opportunity_missed"])
        deals.append(f"had {_many(n, 'opportunity', 'opportunities')} nobody pitched")
    if deals:
        parts.append("It " + (", ".join(deals[:-1]) + " and " if len(deals) > 1 else ""))
        parts[-1] += deals[-1] + "."
    for ev, text in (("renew", "renewed"), ("promote", "became loyal"), ("demote", "lost loyalty")):
        if count.get(ev, 0):
            parts.append(f"It {text} {_times(int(count[ev]))}.")
    gone = story[name.isin([*EXITS, "lost"])]
    if len(gone):
        how = {"churn": "did not renew", "defect": "left for a competitor", "lost": "never bought"}
        g = gone.iloc[-1]
        parts.append(f"On day {g['time']:.0f} it {how[str(g['event'])]}.")
    parts.append(
        f"At the end it was {_STAGE_NOUN[str(last['stage_after'])]}{paying(last)}, "
        f"with health {last['health']:.0f}/100 after its last event."
    )
    return " ".join(parts)


# ------------------------------------------------------------------ two strategies, one book
def fates(results_a: Results, results_b: Results, book: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every account of two runs with its fate under each: kept, or lost on which day.

    The two runs should share scenario, book and replication (so everything the customers
    do by chance is the same and only the team's work differs). Rows are the starting book
    first, biggest starting ARR first, then the accounts that arrived during the run.

    Columns: ``account``, ``label`` (one line for a list: id, segment, ARR, both fates),
    ``segment``, ``arr`` (at the start; 0 for newcomers), ``new`` (arrived during the run),
    ``lost_a``, ``lost_b``, ``day_a``, ``day_b`` (the day it churned or defected, NaN when it
    did not). With ``book`` (an imported account list) labels use the file's account ids.

    >>> from simkit.engine.model import simulate
    >>> from simkit.engine.scenario import default_scenario
    >>> s = default_scenario().update({"horizon_years": 0.5})
    >>> t = fates(simulate(s, "reactive"), simulate(s, "proactive"))
    >>> start = t[~t["new"]]
    >>> bool(start["arr"].is_monotonic_decreasing), bool((t["lost_a"] == t["day_a"].notna()).all())
    (True, True)
    """
    ev = results_a.events
    start_arr = ev[ev["event"] == "init"].set_index("account")["arr"]
    accounts = results_a.accounts
    table = pd.DataFrame(
        {
            "account": accounts["account"].to_numpy(),
            "segment": accounts["segment"].astype(str).to_numpy(),
        }
    )
    table["new"] = ~table["account"].isin(start_arr.index)
    table["arr"] = table["account"].map(start_arr).fillna(0.0)
    for side, res in (("a", results_a), ("b", results_b)):
        e = res.events
        gone = e[e["event"].isin(EXITS)].groupby("account")["time"].min()
        table[f"day_{side}"] = table["account"].map(gone)
        table[f"lost_{side}"] = table[f"day_{side}"].notna()
    ids = table["account"].to_numpy()
    names = np.array([f"#{i}" for i in ids], dtype=object)
    if book is not None:
        known = ids < len(book)
        names[known] = book["account_id"].astype(str).to_numpy()[ids[known]]

    def fate(day: float) -> str:
        return "stayed" if math.isnan(day) else f"lost day {day:.0f}"

    table["label"] = [
        f"{n} · {seg.replace('_', '-')} · "
        + ("new in the run" if new else f"{arr:,.0f} ARR")
        + f" · A: {fate(da)}, B: {fate(db)}"
        for n, seg, new, arr, da, db in zip(
            names,
            table["segment"],
            table["new"],
            table["arr"],
            table["day_a"],
            table["day_b"],
            strict=True,
        )
    ]
    table = table.sort_values(
        ["new", "arr", "account"], ascending=[True, False, True], kind="stable"
    )
    cols = ["account", "label", "segment", "arr", "new", "lost_a", "lost_b", "day_a", "day_b"]
    return table[cols].reset_index(drop=True)


def fate_text(results: Results, account: int) -> str:
    """How an account's run ended, in a few words: ``"kept (2 renewal(s), 48,000 ARR at the
    end)"``, ``"did not renew on day 120"`` or ``"left for a competitor on day 75"``.

    >>> from simkit.engine.model import simulate
    >>> from simkit.engine.scenario import default_scenario
    >>> res = simulate(default_scenario().update({"horizon_years": 0.5}))
    >>> fate_text(res, 0).startswith(("kept", "did not renew", "left for a competitor"))
    True
    """
    story = results.story(account)
    name = story["event"].astype(str)
    gone = story[name.isin(EXITS)]
    if len(gone):
        how = "did not renew" if gone["event"].iat[-1] == "churn" else "left for a competitor"
        return f"{how} on day {gone['time'].iat[-1]:.0f}"
    renewals = int((name == "renew").sum())
    return f"kept ({renewals} renewal(s), {story['arr'].iat[-1]:,.0f} ARR at the end)"


# ------------------------------------------------------------------ numbers for sentences
def paying_clients(results: Results) -> pd.Series:
    """Paying accounts (customers and loyal customers) at each month end, indexed by month.

    The lessons use it to answer "is the book growing or shrinking?" from the run itself.

    >>> from simkit.engine.model import simulate
    >>> from simkit.engine.scenario import default_scenario
    >>> res = simulate(default_scenario().update({"horizon_years": 1}))
    >>> paying = paying_clients(res)
    >>> int(paying.index[0]), int(paying.index[-1]), bool((paying > 0).all())
    (0, 12, True)
    """
    snap = results.snapshots
    paying = snap[snap["stage"].isin(ACTIVE_STAGES)]
    out = paying.groupby("month")["accounts"].sum().astype(int)
    out.name = "paying accounts"
    return out


def new_clients_who_left(row: Mapping[str, float]) -> float:
    """New clients of a period who also left before its end, from a period's counts.

    Why retention rate + churn is not 100: churn and logo retention follow the clients at
    the start (``start``, ``lost``); the retention rate, ``(end - new) / start``, also
    subtracts the new clients who are gone again by the end. Those are ``new - (end -
    (start - lost))``: the new clients minus the new ones still there.

    >>> new_clients_who_left({"start": 100, "lost": 12, "end": 96, "new": 10})
    2.0
    """
    return float(row["new"] - (row["end"] - (row["start"] - row["lost"])))


def clearly(low: float, high: float, more: str = "higher", less: str = "lower") -> str:
    """What a 95 % interval of a difference says, in words: clearly ``more``, clearly
    ``less``, or not clearly different (the interval includes zero).

    >>> clearly(0.9, 2.1), clearly(-3.0, -1.0), clearly(-0.5, 1.5)
    ('clearly higher', 'clearly lower', 'not clearly different')
    """
    if math.isnan(low) or math.isnan(high):
        return "without an interval (too few replications)"
    if low > 0:
        return f"clearly {more}"
    if high < 0:
        return f"clearly {less}"
    return "not clearly different"


# ------------------------------------------------------------------ the metrics reference
METRICS_DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
"""The metrics reference; its table between the GENERATED markers is :func:`metrics_reference`."""

_BEGIN, _END = "<!-- BEGIN GENERATED: metrics -->", "<!-- END GENERATED: metrics -->"
_BETTER = {"higher": "higher", "lower": "lower", "neither": "neither (a trade-off)"}


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def metrics_reference(
    registry: Mapping[str, Metric] | None = None, with_return: bool = True
) -> str:
    """Every metric of the registry as a Markdown table: name, label (unit and basis), what
    it is, which way is better, and how it is computed; with ``with_return``, a last row
    for the return of a strategy against a baseline (a figure of a comparison, not of a
    run: :func:`simkit.analysis.economics.strategy_return`).

    This is the generated part of ``docs/metrics.md`` (and what lesson 04 shows), so the
    reference cannot drift from the figures the tables and charts print.

    >>> table = metrics_reference()
    >>> table.splitlines()[0]
    '| name | label (unit, basis) | what it is | better | computed by |'
    >>> "| `churn_rate` | Churn (% per year) |" in table
    True
    """
    if registry is None:
        from simkit.analysis.registry import METRICS

        registry = METRICS
    lines = [
        "| name | label (unit, basis) | what it is | better | computed by |",
        "|---|---|---|---|---|",
    ]
    for m in registry.values():
        how = (
            f"`metrics.{m.function.__name__}`"
            if m.function is not None
            else f"the count `{m.count}`"
        )
        lines.append(
            f"| `{m.name}` | {_cell(m.label_with_unit())} | {_cell(m.description)} "
            f"| {_BETTER[m.direction]} | {how} |"
        )
    if with_return:
        lines.append(
            f"| `return` | {_cell(RETURN_LABEL)} | {_cell(RETURN_DESCRIPTION)} | higher "
            "(above 1: the extra work pays for itself) | `economics.strategy_return` |"
        )
    return "\n".join(lines)


def update_metrics_doc(path: Path | str = METRICS_DOC) -> bool:
    """Rewrite the generated table of the metrics reference; True if it changed.

    The command ``python -m simkit.analysis.lessons`` does this for ``docs/metrics.md``.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if _BEGIN not in text or _END not in text:
        raise ValueError(f"{path}: no {_BEGIN} ... {_END} markers")
    head, rest = text.split(_BEGIN, 1)
    _old, tail = rest.split(_END, 1)
    new = f"{head}{_BEGIN}\n{metrics_reference()}\n{_END}{tail}"
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def generated_metrics_table(text: str) -> str:
    """The generated table of a metrics reference's text (between the markers)."""
    if _BEGIN not in text or _END not in text:
        raise ValueError(f"no {_BEGIN} ... {_END} markers")
    return text.split(_BEGIN, 1)[1].split(_END, 1)[0].strip()


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    print("docs/metrics.md", "updated" if update_metrics_doc() else "already up to date")
