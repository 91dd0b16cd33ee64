"""
Account-management metrics as plain functions on numbers.

Each function here turns a few counts or amounts from a period (a month, a
quarter, a year) into one of the figures an account manager reports on: how
many clients stayed, how much revenue the existing book grew or shrank, how
satisfied clients are, how fast issues get fixed. The functions do no
simulation and keep no state, so you can check every number by hand, and the
simulation results elsewhere in simkit are summarised with them (the metric
registry, :mod:`simkit.analysis.registry`, says which function computes which
figure of :func:`simkit.analysis.summary.summarize`).

Import the package and call the functions on it::

    from simkit.analysis import metrics
    metrics.retention_rate(start=100, end=105, new=10)

The functions, grouped by the question they answer (and the module that holds them):

=========================  ======================================================
Did clients stay?          :func:`retention_rate`, :func:`churn_rate`,
(``clients``)              :func:`logo_retention`, :func:`renewal_rate`
Did revenue stay and       :func:`revenue_growth`, :func:`gross_revenue_retention`,
grow? (``revenue``)        :func:`net_revenue_retention`, :func:`mrr_movements`,
                           :func:`upsell_rate`
What is a client worth?    :func:`customer_lifetime_value`, :func:`discounted_clv`
(``value``)
Are clients happy and      :func:`nps`, :func:`nps_from_shares`,
looked after?              :func:`engagement_rate`,
(``service``)              :func:`average_time_to_resolution`
=========================  ======================================================

``__all__`` lists these: the metrics the exercises practise. More plain functions serve the
run summaries and are available here too: :func:`time_to_resolution_from_total` (the
average from a total, as the summaries count it); from ``team`` :func:`utilisation`,
:func:`labour_cost`, :func:`touches_planned` and :func:`missed_share` (the account team's
hours, their cost, and the proactive touches it planned and missed); :func:`win_rate` (deals
won, of those decided); from ``money`` :func:`gross_profit`, :func:`headcount_cost`,
:func:`acquisition_spend` and :func:`operating_profit` (what is left of the revenue); and
from ``periods`` :func:`per_year`, :func:`yearly_retention` and :func:`yearly_churn`, the
one rule by which every figure of a period of any length is put per year.
:mod:`~simkit.analysis.metrics.validation` holds the input checks they all share.

Conventions used throughout:

* Rates and shares come back as a plain ``float`` on a 0-100 scale, so
  ``95.0`` means 95 %. Percent inputs (:func:`nps_from_shares`) use the same
  scale.
* Model parameters are the exception: the per-period ``retention`` probability
  and ``discount_rate`` of :func:`discounted_clv` are fractions (``0.8``, not
  ``80``), as in the textbook formulas.
* Counts may be whole or fractional (an average over several simulation runs
  is rarely whole), but never negative. Money can be in any currency, as long
  as all arguments of one call use the same one. Amounts that are *lost*
  (contraction, churned revenue) are entered as positive numbers.
* Python ints and floats, NumPy scalars, ``Fraction`` and ``Decimal`` all
  work. ``True``/``False``, strings, NaN and infinity do not.

Bad input raises :class:`ValueError` with a message that names the argument and
says what is allowed, for example:

>>> churn_rate(lost=-5, start=100)
Traceback (most recent call last):
    ...
ValueError: lost must be 0 or more (it is a count), got -5

A first example: a book of 100 clients loses 5 during the year and wins 10 new
ones, ending with 105.

>>> churn_rate(lost=5, start=100)
5.0
>>> retention_rate(start=100, end=105, new=10)
95.0

"""

from simkit.analysis.metrics.clients import (
    churn_rate,
    logo_retention,
    renewal_rate,
    retention_rate,
)
from simkit.analysis.metrics.clients import win_rate as win_rate
from simkit.analysis.metrics.money import acquisition_spend as acquisition_spend
from simkit.analysis.metrics.money import gross_profit as gross_profit
from simkit.analysis.metrics.money import headcount_cost as headcount_cost
from simkit.analysis.metrics.money import operating_profit as operating_profit
from simkit.analysis.metrics.periods import per_year as per_year
from simkit.analysis.metrics.periods import yearly_churn as yearly_churn
from simkit.analysis.metrics.periods import yearly_retention as yearly_retention
from simkit.analysis.metrics.revenue import (
    MRRMovements,
    gross_revenue_retention,
    mrr_movements,
    net_revenue_retention,
    revenue_growth,
    upsell_rate,
)
from simkit.analysis.metrics.service import (
    average_time_to_resolution,
    engagement_rate,
    nps,
    nps_from_shares,
)
from simkit.analysis.metrics.service import (
    time_to_resolution_from_total as time_to_resolution_from_total,
)
from simkit.analysis.metrics.team import labour_cost as labour_cost
from simkit.analysis.metrics.team import missed_share as missed_share
from simkit.analysis.metrics.team import touches_planned as touches_planned
from simkit.analysis.metrics.team import utilisation as utilisation
from simkit.analysis.metrics.value import customer_lifetime_value, discounted_clv

__all__ = [
    "MRRMovements",
    "average_time_to_resolution",
    "churn_rate",
    "customer_lifetime_value",
    "discounted_clv",
    "engagement_rate",
    "gross_revenue_retention",
    "logo_retention",
    "mrr_movements",
    "net_revenue_retention",
    "nps",
    "nps_from_shares",
    "renewal_rate",
    "retention_rate",
    "revenue_growth",
    "upsell_rate",
]
