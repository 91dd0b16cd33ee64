"""Ready-made sets of strategies for experiments: variants under their own names, and the
classic account-management mistakes next to a reference that avoids them.

A comparison tells strategies apart by name, so racing two settings of one strategy
needs two names: :func:`named` copies a strategy under a new one. :func:`classic_mistakes`
is the line-up of lesson 6.

>>> from simkit.engine.strategies import ProactiveCheckIns
>>> never = named(ProactiveCheckIns(pitch_health=None), "never_pitch")
>>> always = named(ProactiveCheckIns(pitch_health=0), "always_pitch")
>>> never.name, always.name, never.pitch_health, always.pitch_health
('never_pitch', 'always_pitch', None, 0)
"""

from __future__ import annotations

import copy

from simkit.engine.strategies import KeyAccountFocus, ProactiveCheckIns, Reactive, Strategy

__all__ = ["classic_mistakes", "named"]


def named(strategy: Strategy, name: str) -> Strategy:
    """A copy of ``strategy`` under another name (to race variants of one strategy).

    The original is left as it was; the copy is deep, so changing one never changes the
    other.

    >>> named(ProactiveCheckIns(pitch_health=None), "farming").name
    'farming'
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a strategy name must be a non-empty string")
    out = copy.deepcopy(strategy)
    out.name = name.strip()
    return out


def classic_mistakes() -> dict[str, Strategy]:
    """The classic account-management mistakes as strategies, plus a reference that avoids them.

    Keys are plain descriptions; values are strategies with distinct names, ready for
    :func:`simkit.experiments.compare.compare`. Compare each mistake with its fair partner:
    ``farming`` and ``key_account_focus`` with ``serve_then_grow`` (same check-ins, or the
    same team), ``selling_before_serving`` with ``reactive`` (same lack of contact).

    >>> [s.name for s in classic_mistakes().values()]
    ['reactive', 'farming', 'selling_before_serving', 'key_account_focus', 'serve_then_grow']
    """
    return {
        "Only reacting: answer issues and renewals, nothing more": Reactive(),
        "Farming, not growing: check in with everyone but never pitch": named(
            ProactiveCheckIns(pitch_health=None), "farming"
        ),
        "Selling before serving: no check-ins, yet pitch every opportunity": named(
            Reactive(pitch_health=0), "selling_before_serving"
        ),
        "Neglecting smaller accounts: all attention on the biggest": KeyAccountFocus(),
        "Reference: check in with everyone, pitch to healthy accounts": named(
            ProactiveCheckIns(), "serve_then_grow"
        ),
    }
