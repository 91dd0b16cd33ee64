"""The model on one page: its stages and transitions, and the health rules, drawn from the code.

Nothing here is typed in by hand twice. The stages and the moves between them come from
:data:`simkit.engine.accounts.STAGES` and :data:`~simkit.engine.accounts.LEGAL_TRANSITIONS`;
the curves are the rule functions of :mod:`simkit.engine.rules` evaluated at a scenario's
behaviour parameters. So when the model changes, the diagram in ``docs/model.md`` (a Mermaid
block from :func:`mermaid_stages` and the image from :func:`model_diagram`) changes with it,
and ``tests/test_model_doc.py`` fails until the document is regenerated.

>>> print(mermaid_stages().splitlines()[0])
stateDiagram-v2
>>> "prospect --> customer" in mermaid_stages()
True

Regenerate the image with ``python -m simkit.viz.diagram docs/images/model-stages.png``.
"""

from __future__ import annotations

import math
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simkit.engine import accounts, rules
from simkit.engine.scenario import Behaviour, Scenario, default_scenario

__all__ = [
    "ENTRY",
    "TRANSITION_LABELS",
    "mermaid_stages",
    "model_diagram",
    "save_model_diagram",
    "transitions",
]

ENTRY = "prospect"
"""Where every account enters: a new prospect arrives in the pipeline."""

TRANSITION_LABELS: dict[tuple[str, str], str] = {
    ("prospect", "customer"): "deal won",
    ("prospect", "lost"): "deal lost",
    ("prospect", "former"): "deal lost",
    ("customer", "loyal"): "renewed and healthy",
    ("customer", "former"): "churned at renewal or defected",
    ("loyal", "customer"): "unhappy at renewal",
    ("loyal", "former"): "churned at renewal or defected",
    ("former", "prospect"): "won back",
}
"""What makes each move (the events of :data:`simkit.engine.events.EVENTS`), in words."""

_GREY = "#bdbdbd"
_POSITIONS = {
    "prospect": (0.0, 2.0),
    "customer": (2.4, 2.0),
    "loyal": (4.8, 2.0),
    "former": (2.4, 0.0),
    "lost": (0.0, 0.0),
}


def transitions() -> list[tuple[str, str]]:
    """Every legal stage change, in lifecycle order of (before, after).

    >>> transitions()[0]
    ('prospect', 'customer')
    """
    order = {s: i for i, s in enumerate(accounts.STAGES)}
    return sorted(accounts.LEGAL_TRANSITIONS, key=lambda t: (order[t[0]], order[t[1]]))


def _label(before: str, after: str) -> str:
    return TRANSITION_LABELS.get((before, after), f"{before} to {after}")


def _ends() -> list[str]:
    """States no move leaves: the outcomes that end an account's story (a lost deal)."""
    leaving = {before for before, _ in accounts.LEGAL_TRANSITIONS}
    return [s for s in accounts.STAGES if s not in leaving]


def mermaid_stages() -> str:
    """The stage diagram as a Mermaid ``stateDiagram-v2`` block (without the fences).

    One line per legal move, labelled with what makes it; an entry arrow into
    :data:`ENTRY`; an exit arrow from every state no move leaves; and a note on each outcome
    that is not a lifecycle stage.
    """
    lines = ["stateDiagram-v2", "    direction LR", f"    [*] --> {ENTRY} : new prospect"]
    lines += [f"    {a} --> {b} : {_label(a, b)}" for a, b in transitions()]
    for state in _ends():
        lines.append(f"    {state} --> [*]")
    for outcome in getattr(accounts, "OUTCOMES", ()):
        lines.append(f"    note right of {outcome} : an outcome, not a client stage")
    return "\n".join(lines) + "\n"


# -- the figure --------------------------------------------------------------------------------
def _stage_panel(ax: Axes) -> None:
    from simkit.viz.palette import STAGE_COLOURS

    positions = dict(_POSITIONS)
    extra = [s for s in accounts.STAGES if s not in positions]
    for i, s in enumerate(extra):  # a stage added to the engine still gets a place
        positions[s] = (i * 2.4, -1.5)
    outcomes = set(getattr(accounts, "OUTCOMES", ()))
    for stage in accounts.STAGES:
        x, y = positions[stage]
        ax.text(
            x, y, stage, ha="center", va="center", fontsize=10, zorder=3,
            color="white" if stage in STAGE_COLOURS and stage != "prospect" else "black",
            bbox={"boxstyle": "round,pad=0.5", "lw": 1, "ls": "--" if stage in outcomes else "-",
                  "fc": STAGE_COLOURS.get(stage, _GREY), "ec": "black"},
        )  # fmt: skip
    x0, y0 = positions[ENTRY]
    ax.annotate(
        "new prospect", xy=(x0, y0 + 0.2), xytext=(x0, y0 + 0.9), ha="center", fontsize=8,
        arrowprops={"arrowstyle": "-|>", "color": "black", "shrinkA": 0, "shrinkB": 4},
    )  # fmt: skip
    pairs = set(accounts.LEGAL_TRANSITIONS)
    for before, after in transitions():
        (xa, ya), (xb, yb) = positions[before], positions[after]
        rad = 0.35 if (after, before) in pairs else 0.0
        ax.annotate(
            "", xy=(xb, yb), xytext=(xa, ya), zorder=2,
            arrowprops={"arrowstyle": "-|>", "color": "#444444", "lw": 1.2, "shrinkA": 20,
                        "shrinkB": 20, "connectionstyle": f"arc3,rad={rad}"},
        )  # fmt: skip
        mx, my = (xa + xb) / 2, (ya + yb) / 2
        if rad:  # the label sits on its own side of a curved pair
            dx, dy = xb - xa, yb - ya
            length = math.hypot(dx, dy) or 1.0
            mx, my = mx + rad * dy / length * 0.9, my - rad * dx / length * 0.9
        box = {"fc": "white", "ec": "none", "alpha": 0.85, "pad": 0.5}
        text = textwrap.fill(_label(before, after), 18)
        ax.text(mx, my, text, ha="center", va="center", fontsize=7.5,
                zorder=4, bbox=box)  # fmt: skip
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 1.1)
    ax.set_axis_off()
    ax.set_title("(a) Stages and moves (engine.accounts)", fontsize=10, loc="left")


def _drift_panel(ax: Axes, b: Behaviour) -> None:
    days = np.linspace(0.0, 720.0, 145)
    for start in (85.0, 20.0):
        ax.plot(days, rules.drifted_health(start, days, b.health_floor, b.decay_rate),
                label=f"from {start:g}")  # fmt: skip
    ax.axhline(b.health_floor, color="black", lw=0.8, ls=":", label="resting level")
    ax.set_xlabel("days without contact")
    ax.set_ylabel("health (0-100)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8, frameon=False)
    ax.set_title(f"(b) Drift: half-life {b.health_half_life_days:g} days", fontsize=10, loc="left")


def _odds_panel(ax: Axes, b: Behaviour) -> None:
    health = np.linspace(0.0, 100.0, 101)

    def curve(fn, **kw):
        return np.array([fn(float(h), **kw) for h in health])

    renew = rules.renewal_probability
    ax.plot(health, curve(renew, at_50=b.renewal_at_50, slope=b.renewal_slope),
            label="renewal (customer)")  # fmt: skip
    ax.plot(health, curve(renew, at_50=b.renewal_at_50, slope=b.renewal_slope,
                          first_term_factor=b.first_term_churn_factor),
            label="renewal (first term)", ls="--")  # fmt: skip
    ax.plot(health, curve(renew, at_50=b.renewal_at_50, slope=b.renewal_slope,
                          loyal_factor=b.loyal_churn_factor),
            label="renewal (loyal)")  # fmt: skip
    ax.plot(health, rules.defection_probability(health, b.competitor_defect_at_0),
            label="defection per competitor call")  # fmt: skip
    ax.plot(health, curve(rules.upsell_probability, at_100=b.upsell_success_at_100),
            label="upsell pitch accepted")  # fmt: skip
    marks = (
        (b.loyalty_health, "loyal from"),
        (b.loyal_drop_health, "loyal drops below"),
        (b.contraction_health, "renews smaller below"),
    )
    for x, text in marks:
        ax.axvline(x, color="black", lw=0.6, ls=":")
        ax.text(x - 0.8, 0.02, f"{text} {x:g}", rotation=90, fontsize=6.5, va="bottom",
                ha="right", color="#444444")  # fmt: skip
    ax.set_xlabel("health (0-100)")
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1.0)
    ax.legend(fontsize=7, frameon=False, loc="center right", bbox_to_anchor=(1.0, 0.62))
    ax.set_title("(c) Health rules (engine.rules)", fontsize=10, loc="left")


def model_diagram(scenario: Scenario | None = None) -> Figure:
    """The stages, and the health rules at ``scenario``'s behaviour (default scenario if None).

    Three panels: (a) the stages and every legal move between them; (b) health drifting
    without contact; (c) how health sets the chance of renewal (as a customer, in the first
    term, as a loyal account), of defection when a competitor calls and of an accepted upsell
    pitch, with the thresholds of loyalty and contraction.
    """
    import matplotlib.pyplot as plt

    b = (scenario or default_scenario()).behaviour
    fig, axes = plt.subplots(1, 3, figsize=(16, 5), gridspec_kw={"width_ratios": [1.6, 1, 1]})
    _stage_panel(axes[0])
    _drift_panel(axes[1], b)
    _odds_panel(axes[2], b)
    for ax in axes[1:]:
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def save_model_diagram(path: str | Path, scenario: Scenario | None = None, dpi: int = 100) -> Path:
    """Draw :func:`model_diagram` and write it to ``path`` as a PNG (atomically)."""
    from simkit.io.files import atomic_write_bytes
    from simkit.viz.style import figure_png

    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"the diagram is written as PNG; the path must end in .png, got {path}")
    atomic_write_bytes(path, figure_png(model_diagram(scenario), dpi=dpi))
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m simkit.viz.diagram [PATH]``: write the diagram (default
    ``docs/images/model-stages.png``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    path = save_model_diagram(args[0] if args else "docs/images/model-stages.png")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
