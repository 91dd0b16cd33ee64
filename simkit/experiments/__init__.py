"""Experiments: many runs of the model, and the answers drawn from them.

One run is one possible history; experiments run many and say how sure their answers are.

* :mod:`simkit.experiments.runner`: one run (:func:`~simkit.experiments.runner.run_one`),
  many runs in parallel (:func:`~simkit.experiments.runner.run_many`,
  :func:`~simkit.experiments.runner.replicate`) on local processes or a Dask cluster.
* :mod:`simkit.experiments.compare`: strategies over common replications, with confidence
  intervals and paired differences (:func:`~simkit.experiments.compare.compare`).
* :mod:`simkit.experiments.sweep`: every combination of scenario settings
  (:func:`~simkit.experiments.sweep.sweep`), saved as it goes by
  :mod:`simkit.experiments.store` so an interrupted sweep resumes.
* :mod:`simkit.experiments.frontier`: which options are worth their cost
  (:func:`~simkit.experiments.frontier.frontier_table`).

Import functions from their modules (``from simkit.experiments.compare import compare``) or
from the top-level package (``simkit.compare``). This package re-exports nothing: the modules
``compare`` and ``sweep`` share their main function's name, and a package attribute cannot
be both.
"""
