"""Files the kit writes, written atomically.

Every file simkit writes -- a scenario, a results table, a notebook, a sweep store -- goes
through a temporary file in the same folder and one :func:`os.replace`. A reader never sees
a half-written file, and a failure (a full disk, Ctrl-C, a refused format) leaves the old file
as it was. The engine only turns objects into text or tables; this module puts them on disk.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write_text(folder / "note.txt", "hello")
>>> (folder / "note.txt").read_text()
'hello'
"""

from __future__ import annotations

import functools
import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from simkit.engine.results import Results
    from simkit.engine.scenario import Scenario

FRAME_SUFFIXES = (".csv", ".parquet", ".pq")
"""Table formats :func:`write_frame` writes (chosen by the file's suffix)."""


@functools.cache
def _umask() -> int:
    """The process umask, read once on first use (reading it means setting it, so not at
    import time): atomically written files get the same mode an ordinary ``open`` gives."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    The folder is created when missing. On any failure the temporary file is removed and
    the previous file (if any) is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Text (UTF-8) version of :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"))


def check_frame_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as a :class:`~pathlib.Path` if :func:`write_frame` can write it, else a
    ``ValueError`` naming the formats -- call it before any work starts."""
    path = Path(path)
    if path.suffix.lower() not in FRAME_SUFFIXES:
        raise ValueError(f"{path}: write .csv or .parquet files")
    return path


def write_frame(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a DataFrame as CSV or Parquet (by suffix), atomically.

    >>> import pandas as pd, tempfile, pathlib
    >>> p = write_frame(pd.DataFrame({"a": [1, 2]}), pathlib.Path(tempfile.mkdtemp()) / "t.csv")
    >>> p.read_text()
    'a\\n1\\n2\\n'
    """
    path = check_frame_path(path)
    if path.suffix.lower() == ".csv":
        data = df.to_csv(index=False).encode("utf-8")
    else:
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        data = buf.getvalue()
    atomic_write_bytes(path, data)
    return path


def save_scenario(scenario: Scenario, path: str | os.PathLike[str]) -> Path:
    """Write a scenario as TOML or YAML (by suffix), atomically; returns the path.

    The text comes from :meth:`simkit.engine.scenario.Scenario.to_text`, so a saved file
    loads back into an equal scenario with :func:`simkit.engine.scenario.load_scenario`.
    """
    from simkit.engine.scenario import ScenarioError

    path = Path(path)
    if path.suffix.lower() not in (".toml", ".yaml", ".yml"):
        raise ScenarioError(f"{path}: scenario files must end in .toml, .yaml or .yml")
    atomic_write_text(path, scenario.to_text(path.suffix))
    return path


def write_results(
    results: Results, folder: str | os.PathLike[str], fmt: str = "csv"
) -> list[Path]:
    """Write a run's events, snapshots and accounts as CSV or Parquet files, atomically."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    folder = Path(folder)
    written = []
    for name in ("events", "snapshots", "accounts"):
        path = folder / f"{name}.{fmt}"
        write_frame(getattr(results, name), path)
        written.append(path)
    return written
