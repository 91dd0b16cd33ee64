"""Showing results to people: figures (matplotlib) and tables under readable labels.

* :mod:`simkit.viz.palette` -- one colour and one name per strategy, stage and segment;
* :mod:`simkit.viz.style` -- the shared finish of every figure, and figures as PNG bytes;
* :mod:`simkit.viz.plots` -- figures of runs, comparisons and the lessons' ideas
  (``from simkit.viz import plots; plots.stage_flow(results)``);
* :mod:`simkit.viz.story` -- one account's whole story in one figure;
* :mod:`simkit.viz.tables` -- headline figures and comparison tables with readable labels;
* :mod:`simkit.viz.frontier` -- the cost-versus-revenue frontier figure.

Nothing here is imported by ``import simkit``; the palette and the tables load no matplotlib.
"""
