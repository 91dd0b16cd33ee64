"""How long does importing a large account list take?

Writes a made-up 100,000-row portfolio CSV to a temporary folder, reads it with
:func:`simkit.io.portfolio.read_csv` (every check included), and prints the time, the rows per
second and how long an equally large file with problems takes to report them.

    .venv/bin/python benchmarks/bench_import.py [ROWS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from simkit.io.portfolio import PortfolioError, read_csv


def make_file(path: Path, rows: int, seed: int = 1, broken: int = 0) -> Path:
    """A CSV of ``rows`` made-up accounts; ``broken`` of them get a bad segment or ARR."""
    rng = np.random.default_rng(seed)
    seg = rng.choice(["Key", "Enterprise", "Mid-Market", "SMB"], rows, p=[0.04, 0.12, 0.34, 0.5])
    end = pd.Timestamp("2026-10-01") + pd.to_timedelta(rng.integers(1, 365, rows), unit="D")
    start = end - pd.Timedelta(days=365)
    frame = pd.DataFrame(
        {
            "account_id": [f"ACC-{i:07d}" for i in range(rows)],
            "segment": seg,
            "arr": np.round(rng.lognormal(10, 1, rows), 2),
            "contract_start": start.strftime("%Y-%m-%d"),
            "contract_end": end.strftime("%Y-%m-%d"),
            "term_months": 12,
            "health": rng.integers(0, 101, rows),
            "stage": rng.choice(["customer", "loyal", "prospect"], rows, p=[0.6, 0.35, 0.05]),
            "owner": rng.choice(["Ana", "Ben", "Chloe", "Dev"], rows),
        }
    )
    if broken:
        bad = rng.choice(rows, broken, replace=False)
        frame.loc[bad[::2], "segment"] = "Gold"
        frame["arr"] = frame["arr"].astype(object)
        frame.loc[bad[1::2], "arr"] = "n/a"
    frame.to_csv(path, index=False)
    return path


def main(rows: int = 100_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        good = make_file(Path(tmp) / "good.csv", rows)
        t = time.perf_counter()
        book = read_csv(good, as_of="2026-10-01")
        clean = time.perf_counter() - t
        print(f"clean file: {len(book):,} rows in {clean:.2f} s ({len(book) / clean:,.0f} rows/s)")

        bad = make_file(Path(tmp) / "bad.csv", rows, broken=rows // 10)
        t = time.perf_counter()
        try:
            read_csv(bad, as_of="2026-10-01")
        except PortfolioError as exc:
            took = time.perf_counter() - t
            print(
                f"file with problems: {exc.total:,} problems found ({len(exc.problems)} listed) "
                f"in {took:.2f} s"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
