"""Small building blocks every front end of the kit uses: a panel, HTML text, a CSV link.

The what-if, the lesson explorers and the dashboard show results as HTML and PNG inside
ipywidgets, never by printing into an ``ipywidgets.Output``: a notebook that displays them
then stores outputs that nbval can compare, and Voila shows them without a kernel
round-trip. This module holds the pieces they share:

* :class:`Panel`, a ``VBox`` whose text form is a short stable title (what a notebook stores
  as ``text/plain``);
* :func:`html_table`, :func:`error_html`, :func:`small_html` and :func:`heading_html`,
  HTML snippets in the kit's style;
* :func:`csv_download`, a link that downloads a table as CSV with the data inside the link;
* :func:`in_kernel`, whether a button's work should go to a background thread (so that the
  kernel stays free to hear the Stop button).

>>> import pandas as pd
>>> link = csv_download(pd.DataFrame({"a": [1, 2]}), "two.csv")
>>> 'download="two.csv"' in link.value
True
>>> repr(Panel([], "My explorer"))
'<My explorer>'
"""

from __future__ import annotations

import base64
import html
import sys
from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import pandas as pd

__all__ = [
    "GREEN",
    "GREY",
    "RED",
    "WIDE",
    "Panel",
    "csv_download",
    "error_html",
    "heading_html",
    "html_table",
    "in_kernel",
    "small_html",
]

RED, GREEN, GREY = "#b2182b", "#1b7837", "#555"
"""Colours of problems, of success messages and of notes on work in progress."""

WIDE = {"description_width": "160px"}
"""Widget style with room for long descriptions ("Cost per manager hour")."""


class Panel(w.VBox):
    """A VBox with a short, stable text form (what a notebook stores as ``text/plain``).

    Parameters
    ----------
    children : the widgets, top to bottom.
    title : the text form, shown as ``<title>``.
    """

    def __init__(self, children: Sequence[w.Widget], title: str, **kwargs: Any) -> None:
        super().__init__(children=list(children), **kwargs)
        self._title = title

    def __repr__(self) -> str:
        return f"<{self._title}>"


def error_html(message: str) -> str:
    """A message in red with a warning sign, HTML-escaped, for a widget's status line.

    >>> error_html("managers: must be >= 1 <got 0>")
    "<span style='color:#b2182b'>&#9888; managers: must be &gt;= 1 &lt;got 0&gt;</span>"
    """
    return f"<span style='color:{RED}'>&#9888; {html.escape(str(message))}</span>"


def small_html(text: str, size: int = 12, colour: str = "inherit") -> str:
    """HTML ``text`` (not escaped) at ``size`` px with a normal line height (a widget's HTML
    otherwise takes the height of a control, which cramps several lines).

    >>> small_html("hello", 13, "#555")
    "<div style='line-height:1.4;font-size:13px;color:#555'>hello</div>"
    """
    return f"<div style='line-height:1.4;font-size:{size}px;color:{colour}'>{text}</div>"


def heading_html(number: str, text: str) -> str:
    """A numbered step heading (``1 · Portfolio``) with a rule under it.

    >>> "1 &middot; Portfolio" in heading_html("1", "Portfolio")
    True
    """
    return (
        "<div style='font-weight:bold;font-size:14px;margin:10px 0 4px;border-bottom:1px "
        f"solid #ddd'>{html.escape(number)} &middot; {html.escape(text)}</div>"
    )


def html_table(df: pd.DataFrame, caption: str = "") -> str:
    """A table as compact HTML in the kit's style, with an optional bold caption.

    Cells are escaped; missing values read ``n/a``. The table sits in a
    ``<div class='simkit-table'>`` (the browser tests find it by that class).

    >>> text = html_table(pd.DataFrame({"a": [1.5, None]}), "Means")
    >>> "simkit-table" in text, "Means" in text, "n/a" in text
    (True, True, True)
    """
    body = df.to_html(border=0, na_rep="n/a", escape=True)
    cap = f"<div style='font-weight:bold;margin:6px 0 2px'>{html.escape(caption)}</div>"
    style = (
        "<style>.simkit-table table{border-collapse:collapse;font-size:12px}"
        ".simkit-table th,.simkit-table td{padding:2px 8px;text-align:right;"
        "border-bottom:1px solid #ddd}.simkit-table th{background:#f5f5f5}</style>"
    )
    return f"{style}<div class='simkit-table'>{cap if caption else ''}{body}</div>"


def csv_download(
    df: pd.DataFrame, filename: str = "results.csv", label: str | None = None, index: bool = False
) -> w.HTML:
    """A link that downloads ``df`` as a CSV file, with the data inside the link (a data URI).

    Works in JupyterLab, classic notebooks and Voila, with no server round trip.

    Parameters
    ----------
    df : the table to offer.
    filename : the name the browser saves it under: a plain file name ending in ``.csv``.
    label : the link text (default: ``Download <filename>``).
    index : write the DataFrame's index as the first column.

    >>> link = csv_download(pd.DataFrame({"a": [1, 2]}), "two.csv")
    >>> "download=\\"two.csv\\"" in link.value, "base64," in link.value
    (True, True)
    >>> csv_download(pd.DataFrame(), "../up.csv")
    Traceback (most recent call last):
    ...
    ValueError: filename must be a plain file name ending in .csv (no folders), got '../up.csv'
    """
    if (
        not isinstance(filename, str)
        or not filename.lower().endswith(".csv")
        or len(filename) < 5
        or any(c in filename for c in "/\\\"'<>:")
    ):
        raise ValueError(
            f"filename must be a plain file name ending in .csv (no folders), got {filename!r}"
        )
    data = base64.b64encode(df.to_csv(index=index).encode("utf-8")).decode("ascii")
    text = html.escape(label or f"Download {filename}")
    return w.HTML(
        f'<a download="{filename}" href="data:text/csv;charset=utf-8;base64,{data}" '
        f'target="_blank" style="color:#1f78b4">&#11015; {text}</a>'
    )


def in_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (a notebook or Voila page).

    A kernel handles one message at a time: while a button's handler runs, a click on Stop
    waits in the queue. Front ends therefore do long work in a background thread when this
    is true, and in the caller's thread otherwise (scripts and tests, which want the
    answer when the call returns).

    >>> in_kernel()  # a doctest runs outside any kernel
    False
    """
    if "ipykernel" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
