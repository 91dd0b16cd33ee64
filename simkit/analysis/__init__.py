"""The analysis layer: what simulation results mean, in the figures account managers use.

Modules, from the plain arithmetic up:

``metrics``      the metrics as plain functions on numbers (churn, NRR, CLV, NPS ...): what
                 a trainee computes by hand, and what every summary calls.
``counts``       the counting core: from an event log to the counts per period the metrics
                 need (clients at the start, ARR churned, survey answers ...).
``metric``       what a metric is: label, unit, period basis, and the one rule that puts
                 a figure of any period per year.
``registry``     every metric once: name, label, unit, period basis, which way is better,
                 and the plain function and counts that compute it.
``summary``      ``summarize`` (metrics per period and group) and ``run_summary`` (a run's
                 headline figures), both built from the registry.
``stats``        confidence intervals for figures over replications, and for a ratio of
                 paired means (Fieller).
``economics``    the return of a strategy: extra gross profit per unit of extra cost.
``retention``    closed-form retention models (geometric, sBG, Markov chain) to check the
                 simulator against theory and to value accounts.
``calibration``  fitting a scenario to a real cohort table.
``lessons``      finding telling accounts and stories in a run, for the lessons.

The layer imports only :mod:`simkit.engine` (and :mod:`simkit.io`); scipy is imported inside
the functions that fit models, so importing any module here stays cheap.
"""
