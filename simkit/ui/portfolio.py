"""Choosing the book to simulate: the built-in sample, the example file, or your own CSV.

:class:`PortfolioPicker` is the dashboard's first step. It offers three sources -- the book
sampled from the scenario, ``examples/portfolio.csv``, or an uploaded account list read by
:mod:`simkit.io.portfolio` -- and keeps the chosen book in :attr:`PortfolioPicker.book`
(``None`` for the built-in sample). Choosing a book also suggests a team of the same size
per account as the scenario's and switches the segment sliders off (an imported book has
its own mix). A file with problems is refused with every problem listed in red, and the
current book stays. So is a file over :data:`MAX_UPLOAD_BYTES` (50 MiB, some 500,000
accounts of the example's columns): :func:`upload_guard_html`, shown on the dashboard page,
keeps the browser from sending more than its name and size, and the refusal says how big it
is and what to do.

>>> from simkit.ui.controls import WhatIfControls
>>> picker = PortfolioPicker(WhatIfControls())
>>> picker.use_example(), len(picker.book), picker.source.value
(True, 120, 'example')
>>> picker.load_csv(b"account_id,segment,arr,contract_end\\nA1,Gold,10,2027-01-31\\n", "my.csv")
False
>>> "column segment" in picker.status.value, len(picker.book)
(True, 120)
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable

import ipywidgets as w
import numpy as np
import pandas as pd

from simkit.io.portfolio import (
    EXAMPLE_AS_OF,
    PortfolioError,
    book_summary,
    example_path,
    format_money,
    parse_csv,
    read_csv,
)
from simkit.ui.components import RED, error_html, small_html
from simkit.ui.controls import WhatIfControls

__all__ = [
    "BUILTIN",
    "EXAMPLE",
    "MAX_UPLOAD_BYTES",
    "UPLOAD",
    "PortfolioPicker",
    "book_html",
    "problems_html",
    "too_large",
    "upload_guard_html",
]

BUILTIN, EXAMPLE, UPLOAD = "builtin", "example", "upload"
"""The three sources of a book, as the values of :attr:`PortfolioPicker.source`."""

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""The largest account list the dashboard takes (the server's websocket allows a little more:
:data:`simkit.ui.server.WEBSOCKET_MAX_BYTES`)."""


class PortfolioPicker:
    """The book to simulate: source buttons, an upload button, an as-of date and a summary.

    Parameters
    ----------
    controls : the what-if controls whose team size and segment sliders follow the book.
    as_of : the date uploaded account lists describe (default: today; editable).
    on_change : called with no arguments whenever the book changes (e.g. to forget runs
        made on the previous book).

    Widgets: ``source`` (radio buttons), ``upload`` (a CSV file button), ``as_of`` (a date
    picker) and ``status`` (the book in a few lines, or the file's problems in red).
    """

    def __init__(
        self,
        controls: WhatIfControls,
        as_of: dt.date | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.controls = controls
        self.base = controls.base
        self.on_change = on_change
        self.book: pd.DataFrame | None = None
        self._uploaded: tuple[str, pd.DataFrame] | None = None
        self.source = w.RadioButtons(
            options=self._source_options(), value=BUILTIN, layout=w.Layout(width="auto")
        )
        self.upload = w.FileUpload(
            accept=".csv", multiple=False, description="Upload CSV", icon="upload"
        )
        self.as_of = w.DatePicker(
            value=as_of or dt.date.today(), description="As of", layout=w.Layout(width="240px")
        )
        self.status = w.HTML()
        self.source.observe(self._source_changed, names="value")
        self.upload.observe(self._uploaded_changed, names="value")
        self.describe()

    def _source_options(self) -> list[tuple[str, str]]:
        n = self.base.portfolio.total_accounts
        options = [(f"Built-in book ({n} sampled accounts)", BUILTIN)]
        try:
            example_path()
            options.append(
                (f"Example portfolio (examples/portfolio.csv, {EXAMPLE_AS_OF})", EXAMPLE)
            )
        except FileNotFoundError:
            pass
        if self._uploaded is not None:
            name, book = self._uploaded
            options.append((f"Your file: {name} ({len(book)} accounts)", UPLOAD))
        return options

    # ------------------------------------------------------------------ choosing a book
    def use_builtin(self) -> None:
        """Simulate the built-in book (sampled from the scenario; segment sliders apply)."""
        self.book = None
        self._suggest_team(self.base.portfolio.total_accounts)
        self.describe()
        self._set_source(BUILTIN)

    def use_example(self) -> bool:
        """Simulate the example portfolio (``examples/portfolio.csv`` as of its date).

        Returns whether it could be read (the file ships with the repository, not with an
        installed package).
        """
        try:
            book = read_csv(example_path(), as_of=EXAMPLE_AS_OF)
        except (FileNotFoundError, PortfolioError) as exc:
            self.status.value = error_html(str(exc))
            return False
        self._use_book(book)
        self._set_source(EXAMPLE)
        return True

    def load_csv(self, data: bytes, name: str = "upload.csv", size: int | None = None) -> bool:
        """Read an uploaded account list as of the picked date; on success simulate it, else
        list its problems in red.

        ``size`` is the file's size as the browser reported it (larger than ``data`` when
        :func:`upload_guard_html` kept an oversized file's content back). Returns whether the
        file was accepted. A rejected file leaves the current book in place; an accepted one
        is offered as a source from then on.
        """
        size = max(len(data), size or 0)
        if size > MAX_UPLOAD_BYTES:
            self.status.value = small_html(error_html(too_large(name, size)), size=13)
            return False
        try:
            book = parse_csv(bytes(data), as_of=self.as_of.value, source=name)
        except PortfolioError as exc:
            self.status.value = problems_html(exc)
            return False
        except ValueError as exc:  # e.g. no as-of date picked
            self.status.value = error_html(str(exc))
            return False
        self._uploaded = (name, book)
        self._use_book(book)
        self.source.options = self._source_options()
        self._set_source(UPLOAD)
        return True

    def _use_book(self, book: pd.DataFrame) -> None:
        self.book = book
        self._suggest_team(len(book))
        self.describe()

    def _suggest_team(self, accounts: int) -> None:
        """Set the team to the built-in book's accounts per manager (editable after)."""
        per_manager = self.base.portfolio.total_accounts / self.base.team.managers
        suggested = int(np.clip(round(accounts / per_manager), 1, self.controls.managers.max))
        self.controls.managers.value = suggested

    def _set_source(self, value: str) -> None:
        if self.source.value != value:
            self.source.unobserve(self._source_changed, names="value")
            self.source.value = value
            self.source.observe(self._source_changed, names="value")
        for s in self.controls.segments.values():
            s.disabled = value != BUILTIN
        if self.on_change is not None:
            self.on_change()

    def _source_changed(self, change: dict) -> None:
        if change["new"] == BUILTIN:
            self.use_builtin()
        elif change["new"] == EXAMPLE:
            self.use_example()
        elif change["new"] == UPLOAD and self._uploaded is not None:
            self._use_book(self._uploaded[1])
            self._set_source(UPLOAD)

    def _uploaded_changed(self, change: dict) -> None:
        files = change["new"]
        if not files:
            return
        f = files[0]
        self.load_csv(bytes(f["content"]), str(f["name"]), size=int(f.get("size") or 0))
        self.upload.value = ()  # ready for the next file (or the same file, fixed)

    def describe(self) -> None:
        """Show the current book in :attr:`status`: the built-in sample's size or the imported
        book's summary, and the team size now set for it."""
        if self.book is None:
            text = (
                f"{self.base.portfolio.total_accounts} accounts sampled from the scenario "
                "(change the mix with the sliders under <i>Built-in book mix</i>).<br>"
            )
        else:
            text = book_html(self.book)
        managers = self.controls.managers.value
        self.status.value = small_html(
            f"{text}<span style='color:#555'>Team set to {managers} account manager(s) for "
            "this book; change it below.</span>",
            size=13,
        )


def book_html(book: pd.DataFrame, within_days: float = 90.0) -> str:
    """An imported book in a few lines: totals, then accounts, ARR and renewals per segment.

    >>> text = book_html(read_csv(example_path(), as_of=EXAMPLE_AS_OF))
    >>> "120 accounts" in text and "<table" in text
    True
    """
    s = book_summary(book, within_days)
    t = s.loc["total"]
    soon = f"renewals_{within_days:g}d"
    td = "<td style='padding:0 8px;text-align:right'>"
    th = "<th style='padding:0 8px;text-align:right'>"
    rows = "".join(
        f"<tr>{td}{seg.replace('_', '-')}</td>{td}{int(r['accounts'])}</td>"
        f"{td}{format_money(r['arr'])}</td>{td}{int(r[soon])}</td></tr>"
        for seg, r in s.drop(index="total").iterrows()
    )
    notes = "".join(f"<br><i>{html.escape(n)}</i>" for n in book.attrs.get("notes", []))
    return (
        f"<b>{int(t['accounts'])} accounts</b> as of {book.attrs.get('as_of', '?')}: "
        f"{int(t['customers'])} customers, {int(t['prospects'])} prospects, "
        f"ARR {format_money(t['arr'])}; {int(t[soon])} renewals in the next "
        f"{within_days:g} days.{notes}"
        f"<table style='font-size:12px;margin:4px 0'><tr>{th}segment</th>{th}accounts</th>"
        f"{th}ARR</th>{th}renewing</th></tr>{rows}</table>"
    )


def too_large(name: str, size: int, limit: int = MAX_UPLOAD_BYTES) -> str:
    """Why an upload was refused for its size.

    >>> too_large("crm.csv", 80 * 1024 * 1024)
    'crm.csv is 80.0 MiB; the dashboard takes account lists up to 50 MiB. ...'
    """
    return (
        f"{name} is {size / 2**20:.1f} MiB; the dashboard takes account lists up to "
        f"{limit / 2**20:g} MiB. Leave out columns it does not read, or split the book; "
        "nothing was simulated."
    )


def upload_guard_html(limit: int = MAX_UPLOAD_BYTES) -> str:
    """A script for the dashboard page: a file over ``limit`` bytes is not read by the
    browser, so the upload button sends only its name and size (and the page refuses it with
    :func:`too_large`) instead of a message the server would drop without a word.

    The upload button (ipywidgets' ``FileUpload``) reads files with
    ``FileReader.readAsArrayBuffer``; the script makes that read an empty blob in place of a
    file that is too big. Nothing else on the page reads files.

    >>> "readAsArrayBuffer" in upload_guard_html() and str(MAX_UPLOAD_BYTES) in upload_guard_html()
    True
    """
    return f"""<script>
(function () {{
  window.simkitUploadLimit = {int(limit)};
  if (window.simkitUploadGuard) {{ return; }}
  window.simkitUploadGuard = true;
  var read = FileReader.prototype.readAsArrayBuffer;
  FileReader.prototype.readAsArrayBuffer = function (blob) {{
    var tooBig = blob && blob.size > window.simkitUploadLimit;
    return read.call(this, tooBig ? new Blob([]) : blob);
  }};
}})();
</script>"""


def problems_html(exc: PortfolioError) -> str:
    """A portfolio file's problems as a red list (the first line as a heading).

    >>> html_text = problems_html(PortfolioError("my.csv", ["row 2, column arr: bad"]))
    >>> "row 2, column arr: bad" in html_text and "#b2182b" in html_text
    True
    """
    head, *rest = str(exc).splitlines()
    items = "".join(f"<li>{html.escape(line.strip())}</li>" for line in rest)
    return (
        f"<div style='color:{RED};line-height:1.4'>{error_html(head)}"
        f"<ul style='margin:4px 0;padding-left:18px;font-size:12px'>{items}</ul>"
        "Fix the file and upload it again; nothing was simulated.</div>"
    )
