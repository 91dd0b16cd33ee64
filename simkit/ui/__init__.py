"""Front ends in ipywidgets: the what-if, the lesson explorers, the manager dashboard, quizzes.

Each front end keeps its logic in plain methods that tests and scripts call, and shows
results as HTML and PNG inside widgets. Start with :class:`simkit.ui.whatif.WhatIf` (a
notebook) or :class:`simkit.ui.dashboard.ManagerDashboard` (served by ``simkit dashboard``,
see :mod:`simkit.ui.server`).
"""
