"""``simkit sensitivity``: which assumptions change the answer.

A manager should know how far to trust a comparison: this command screens the model's
behaviour assumptions over their plausible ranges (Morris elementary effects, or one at a
time) on common random numbers, and says, for each assumption, how much each strategy's
difference to the baseline moves (NRR points per year, profit per year) and whether the
ranking of the strategies flips inside the range.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simkit.cli.common import (
    JsonOpt,
    ScenarioOpt,
    SeedOpt,
    _check_folder,
    _check_scheduler,
    _json,
    _load,
    app,
    clean_errors,
    fail,
    save_figure,
)


# fmt: off
@app.command("sensitivity")
@clean_errors
def sensitivity_cmd(
    scenario: ScenarioOpt = None,
    method: Annotated[str, typer.Option(help="morris (global screening) or oat (one at a "
        "time).")] = "morris",
    strategies: Annotated[str, typer.Option(help="Comma-separated strategies; the first is "
        "the baseline unless --baseline says.")] =
        "reactive,customer_success,proactive_check_ins,key_account_focus",
    baseline: Annotated[str | None, typer.Option(help="Strategy the others are compared "
        "with.")] = None,
    parameters: Annotated[str | None, typer.Option(help="Comma-separated scenario fields to "
        "vary (default: every behaviour assumption with a plausible range, docs/model.md).")]
        = None,
    trajectories: Annotated[int, typer.Option(min=2, max=100, help="Morris trajectories.")] = 4,
    levels: Annotated[int, typer.Option(min=2, max=20, help="Morris grid levels.")] = 4,
    replications: Annotated[int, typer.Option(min=1, max=100, help="Replications per point "
        "(common random numbers).")] = 2,
    horizon: Annotated[float | None, typer.Option(min=0.1, max=50, help="Years to simulate "
        "(default: the scenario's).")] = None,
    jobs: Annotated[int | None, typer.Option(min=1, help="Local worker processes.")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address "
        "(tcp://host:port) instead of local processes.")] = None,
    seed: SeedOpt = None,
    quick: Annotated[bool, typer.Option("--quick", help="A small design (2 trajectories, "
        "1 replication, 1 year): a first look in seconds.")] = False,
    output: Annotated[str, typer.Option(help="The difference the tornado plots: nrr_diff or "
        "profit_diff.")] = "nrr_diff",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for sensitivity.csv, "
        "flips.csv and one tornado PNG per strategy.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Screen the model's assumptions: which ones move each strategy's difference to the
    baseline, and whether the ranking of strategies flips inside their plausible range."""
    # fmt: on
    from simkit.experiments.sensitivity import OUTPUTS, QUICK, sensitivity

    if method not in ("morris", "oat"):
        fail(f"--method must be morris or oat, got {method!r}")
    if output not in OUTPUTS:
        fail(f"--output must be one of {', '.join(OUTPUTS)}, got {output!r}")
    _check_folder(out)
    address = _check_scheduler(scheduler)
    sc = _load(scenario)
    names = [s.strip() for s in strategies.split(",") if s.strip()]
    if len(names) < 2:
        fail("--strategies needs at least two strategies to compare")
    design = dict(QUICK) if quick else {
        "trajectories": trajectories, "levels": levels, "replications": replications,
        "horizon_years": horizon,
    }  # fmt: skip
    fields = None if parameters is None else [p.strip() for p in parameters.split(",") if p]
    scheduler_obj = None
    if address is not None:
        from dask.distributed import Client

        scheduler_obj = Client(address, timeout=5)
    try:
        result = sensitivity(
            sc, names, fields, method, baseline=baseline, jobs=jobs, scheduler=scheduler_obj,
            seed=seed, progress=not json_out, **design,
        )  # fmt: skip
    finally:
        if scheduler_obj is not None:
            scheduler_obj.close()
    table = result.table(outputs=list(OUTPUTS))
    flips = result.flips()
    if json_out:
        _json({"effects": table.to_dict("records"), "flips": flips.to_dict("records")})
    else:
        shown = table[table["strategy"] != result.baseline]
        shown = shown[shown["output"].isin(["nrr_diff", "profit_diff"])]
        cols = ["label", "parameter", "low", "high", "strategy", "effect", "rank", "flips"]
        for label, part in shown[cols].groupby("label", sort=False):
            typer.echo(f"\n{label} -- effect of each assumption across its plausible range")
            body = part.drop(columns="label")
            typer.echo(body.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
        flipped = flips[flips["flips"].astype(bool)] if len(flips) else flips
        typer.echo(
            "ranking flips inside the plausible range: "
            + (", ".join(sorted(set(flipped["parameter"]))) if len(flipped) else "none")
        )
    if out is not None:
        _write(result, table, flips, out, output)


def _write(result, table, flips, out: Path, output: str) -> None:  # noqa: ANN001
    """The tables as CSV and one tornado figure per compared strategy, all atomically."""
    from simkit.io.files import write_frame
    from simkit.viz.sensitivity import tornado

    written = [write_frame(table, out / "sensitivity.csv"), write_frame(flips, out / "flips.csv")]
    for strategy in [s for s in result.strategies if s != result.baseline]:
        path = out / f"tornado-{strategy}.png"
        written.append(save_figure(tornado(result, strategy, output), path, bbox_inches="tight"))
    typer.echo("wrote " + ", ".join(str(p) for p in written))
