"""The engine: scenario -> SimPy model -> results. The bottom layer of simkit.

Read it in this order:

- :mod:`~simkit.engine.scenario` -- what a run needs to know (validated, immutable);
- :mod:`~simkit.engine.accounts` -- the four stages and what an account shows a strategy;
- :mod:`~simkit.engine.rules` -- every behaviour rule as one small pure function;
- :mod:`~simkit.engine.strategies` -- how a team spends its limited hours;
- :mod:`~simkit.engine.streams` -- common random numbers, one tape per (purpose, account);
- :mod:`~simkit.engine.book` -- the starting book, sampled or imported;
- :mod:`~simkit.engine.model` -- the SimPy processes and the team resource;
- :mod:`~simkit.engine.ledger` and :mod:`~simkit.engine.events` -- what a run writes down;
- :mod:`~simkit.engine.results` -- tidy DataFrames from the run's public record.

The engine imports nothing from the layers above it (analysis, io, experiments, viz, ui,
teaching) and nothing from Jupyter, matplotlib or scipy.
"""
