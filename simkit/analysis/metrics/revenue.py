"""Did revenue stay and grow? Revenue growth, GRR, NRR, MRR movements and upsell success.

Where :mod:`simkit.analysis.metrics.clients` counts clients, these weigh them by what they
pay: :func:`gross_revenue_retention` (revenue kept, growth ignored),
:func:`net_revenue_retention` (plus growth from the same accounts), :func:`mrr_movements`
(the change split into new, expansion, contraction and churn), :func:`revenue_growth` and
:func:`upsell_rate`. Lost amounts are entered as positive numbers.

>>> gross_revenue_retention(start_arr=100_000, contraction=5_000, churned_arr=10_000)
85.0
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from simkit.analysis.metrics.validation import (
    COUNT,
    LOSS,
    MONEY,
    Number,
    check_at_most,
    check_number,
    fmt,
    pct,
)

__all__ = [
    "MRRMovements",
    "gross_revenue_retention",
    "mrr_movements",
    "net_revenue_retention",
    "revenue_growth",
    "upsell_rate",
]


def revenue_growth(start_revenue: Number, end_revenue: Number) -> float:
    """Revenue growth of an account from one period to the next, in percent.

    .. math:: \\text{growth} = \\frac{\\text{end} - \\text{start}}{\\text{start}} \\times 100

    Parameters
    ----------
    start_revenue : number
        Revenue in the earlier period (greater than 0).
    end_revenue : number
        Revenue in the later period (0 or more).

    Returns
    -------
    float
        Percentage change: negative when revenue fell, -100 when it fell to
        zero, above 100 when it more than doubled.

    Notes
    -----
    Growth within existing accounts, from upsells, cross-sells and wider
    use, is the second half of an account manager's job after keeping the
    client at all, and usually the cheapest revenue a company can win.

    Examples
    --------
    An account worth 50,000 last year and 60,000 this year:

    >>> revenue_growth(start_revenue=50_000, end_revenue=60_000)
    20.0
    >>> revenue_growth(80, 60)
    -25.0
    """
    start = check_number(
        "start_revenue",
        start_revenue,
        strict=True,
        why="growth is measured against the starting revenue",
    )
    end = check_number("end_revenue", end_revenue, why=MONEY)
    return 100.0 * (end - start) / start


def upsell_rate(successes: Number, attempts: Number) -> float:
    """Upsell / cross-sell success rate: the share of offers that turned into a sale.

    .. math:: \\text{success rate} = \\frac{\\text{successes}}{\\text{attempts}} \\times 100

    Parameters
    ----------
    successes : number
        Upsell or cross-sell offers accepted (0 up to ``attempts``).
    attempts : number
        Offers presented to clients (greater than 0).

    Returns
    -------
    float
        Percentage from 0 to 100.

    Notes
    -----
    A high rate means offers match what clients need. A falling rate while
    attempts go up is a warning sign of selling before serving, which also
    costs goodwill.

    Examples
    --------
    6 of 10 offers accepted:

    >>> upsell_rate(successes=6, attempts=10)
    60.0
    """
    successes = check_number("successes", successes, why=COUNT)
    attempts = check_number(
        "attempts", attempts, strict=True, why="a rate needs at least one attempt"
    )
    check_at_most(
        "successes", successes, "attempts", attempts, "every success comes from an attempt"
    )
    return pct(successes, attempts)


def _check_revenue_base(
    start_arr: Number, contraction: Number, churned_arr: Number
) -> tuple[float, float, float]:
    """Validate the arguments shared by GRR and NRR."""
    start = check_number(
        "start_arr",
        start_arr,
        strict=True,
        why="retention is measured against the starting revenue",
    )
    contraction = check_number("contraction", contraction, why=LOSS)
    churned = check_number("churned_arr", churned_arr, why=LOSS)
    check_at_most(
        "contraction + churned_arr",
        contraction + churned,
        "start_arr",
        start,
        "you can't lose more revenue than the accounts had at the start",
    )
    return start, contraction, churned


def gross_revenue_retention(start_arr: Number, contraction: Number, churned_arr: Number) -> float:
    """Gross revenue retention (GRR): the share of starting revenue kept, growth ignored.

    .. math:: \\text{GRR} = \\frac{\\text{start} - \\text{contraction} - \\text{churned}}
              {\\text{start}} \\times 100

    Parameters
    ----------
    start_arr : number
        Recurring revenue (ARR or MRR) of the existing accounts at the start
        (greater than 0).
    contraction : number
        Revenue lost to downgrades by accounts that stayed, as a positive amount.
    churned_arr : number
        Revenue lost from accounts that left, as a positive amount.
        ``contraction + churned_arr`` can't exceed ``start_arr``.

    Returns
    -------
    float
        Percentage from 0 to 100.

    Notes
    -----
    GRR shows how well the existing book is defended. Upsells can't lift it,
    so it can't be flattered by selling more to a few accounts while others
    shrink or leave.

    Examples
    --------
    100,000 of ARR at the start; 5,000 lost to downgrades and 10,000 to churn:

    >>> gross_revenue_retention(start_arr=100_000, contraction=5_000, churned_arr=10_000)
    85.0
    """
    start, contraction, churned = _check_revenue_base(start_arr, contraction, churned_arr)
    return pct(start - contraction - churned, start)


def net_revenue_retention(
    start_arr: Number, expansion: Number, contraction: Number, churned_arr: Number
) -> float:
    """Net revenue retention (NRR): starting revenue kept, plus growth from the same accounts.

    .. math:: \\text{NRR} = \\frac{\\text{start} + \\text{expansion} - \\text{contraction}
              - \\text{churned}}{\\text{start}} \\times 100

    Parameters
    ----------
    start_arr : number
        Recurring revenue (ARR or MRR) of the existing accounts at the start
        (greater than 0).
    expansion : number
        Extra revenue from those accounts through upsells and cross-sells (0 or more).
    contraction : number
        Revenue lost to downgrades, as a positive amount.
    churned_arr : number
        Revenue lost from accounts that left, as a positive amount.
        ``contraction + churned_arr`` can't exceed ``start_arr``.

    Returns
    -------
    float
        Percentage, 0 or more; above 100 when growth in the existing accounts
        more than makes up for what was lost. Never below the GRR of the
        same figures.

    Notes
    -----
    NRR above 100 % means the book grows even without a single new client,
    the clearest sign that account management pays for itself. Revenue from
    new clients is left out on purpose.

    Examples
    --------
    The book from :func:`gross_revenue_retention`, plus 20,000 of upsells:

    >>> net_revenue_retention(
    ...     start_arr=100_000, expansion=20_000, contraction=5_000, churned_arr=10_000
    ... )
    105.0
    """
    start, contraction, churned = _check_revenue_base(start_arr, contraction, churned_arr)
    expansion = check_number("expansion", expansion, why=MONEY)
    # GRR plus the expansion share; written this way NRR >= GRR holds exactly in floats.
    return pct(start - contraction - churned, start) + 100.0 * expansion / start


@dataclass(frozen=True)
class MRRMovements:
    """Breakdown of how monthly recurring revenue (MRR) changed over a period.

    Lost amounts (``contraction``, ``churn``) are positive numbers;
    ``net = new + expansion - contraction - churn``. ``start`` and ``end``
    are ``None`` unless a starting MRR was given.
    """

    new: float
    expansion: float
    contraction: float
    churn: float
    net: float
    start: float | None = None
    end: float | None = None

    def to_dict(self) -> dict[str, float | None]:
        """Return the movements as a plain dict, e.g. for a pandas DataFrame row."""
        return asdict(self)

    def __repr__(self) -> str:
        fields = {k: v for k, v in self.to_dict().items() if v is not None}
        inner = ", ".join(f"{k}={fmt(v)}" for k, v in fields.items())
        return f"MRRMovements({inner})"


def mrr_movements(
    new: Number,
    expansion: Number,
    contraction: Number,
    churned: Number,
    start: Number | None = None,
) -> MRRMovements:
    """Split the change in MRR (or ARR) into its four movements.

    .. math:: \\text{net} = \\text{new} + \\text{expansion} - \\text{contraction}
              - \\text{churn}, \\qquad \\text{end} = \\text{start} + \\text{net}

    Parameters
    ----------
    new : number
        MRR from clients won in the period.
    expansion : number
        Extra MRR from existing clients (upsells, cross-sells, price rises).
    contraction : number
        MRR lost to downgrades, as a positive amount.
    churned : number
        MRR lost from clients who left, as a positive amount.
    start : number, optional
        MRR at the start of the period. If given, ``end`` is filled in.

    Returns
    -------
    MRRMovements
        A frozen record with ``new``, ``expansion``, ``contraction``,
        ``churn``, ``net``, ``start`` and ``end``; ``.to_dict()`` gives a dict.

    Notes
    -----
    The total alone can hide trouble: a good month of new sales can cover
    heavy churn. Seeing the four movements side by side shows whether growth
    comes from the existing book (expansion, the account manager's work) or
    only from new business.

    Examples
    --------
    >>> m = mrr_movements(new=300, expansion=200, contraction=50, churned=150, start=5_000)
    >>> m
    MRRMovements(new=300, expansion=200, contraction=50, churn=150, net=300, start=5000, end=5300)
    >>> m.net, m.end
    (300.0, 5300.0)
    >>> mrr_movements(new=0, expansion=100, contraction=0, churned=400).net
    -300.0
    """
    new = check_number("new", new, why=MONEY)
    expansion = check_number("expansion", expansion, why=MONEY)
    contraction = check_number("contraction", contraction, why=LOSS)
    churn = check_number("churned", churned, why=LOSS)
    net = new + expansion - contraction - churn
    if start is None:
        return MRRMovements(new, expansion, contraction, churn, net)
    start = check_number("start", start, why=MONEY)
    end = start + net
    if end < 0:
        raise ValueError(
            "contraction + churned must not be more than start + new + expansion "
            "(MRR can't fall below 0), "
            f"got start = {fmt(start)}, net = {fmt(net)}, so end = {fmt(end)}"
        )
    return MRRMovements(new, expansion, contraction, churn, net, start, end)
