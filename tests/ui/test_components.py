"""Tests for simkit.ui.components: the panel, HTML snippets and the CSV download link."""

from __future__ import annotations

import base64
import io
import re

import pandas as pd
import pytest

from simkit.ui.components import Panel, csv_download, error_html, html_table, small_html


def _csv_from_link(html: str) -> pd.DataFrame:
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1)
    return pd.read_csv(io.BytesIO(base64.b64decode(data)))


def test_csv_download_round_trips_the_frame():
    df = pd.DataFrame({"strategy": ["a", "b"], "value": [1.5, -2.25], "n": [3, 4]})
    link = csv_download(df, "runs.csv", "Get <it>")
    assert 'download="runs.csv"' in link.value
    assert "Get &lt;it&gt;" in link.value  # the label is escaped
    pd.testing.assert_frame_equal(_csv_from_link(link.value), df)


def test_csv_download_can_keep_the_index():
    df = pd.DataFrame({"v": [1, 2]}, index=pd.Index(["x", "y"], name="k"))
    got = _csv_from_link(csv_download(df, "k.csv", index=True).value)
    assert got.to_dict("list") == {"k": ["x", "y"], "v": [1, 2]}


@pytest.mark.parametrize("name", ["", "runs.txt", "../runs.csv", "a/b.csv", 'x".csv', None])
def test_csv_download_refuses_unsafe_file_names(name):
    with pytest.raises(ValueError, match="plain file name ending in .csv"):
        csv_download(pd.DataFrame({"a": [1]}), name)


def test_error_html_is_red_and_escaped():
    text = error_html("<b>x</b> & y")
    assert "#b2182b" in text and "&lt;b&gt;" in text and "<b>" not in text


def test_html_table_escapes_cells_and_shows_missing_values():
    df = pd.DataFrame({"figure": ["<script>", None]}, index=["a", "b"])
    text = html_table(df, "Cap <1>")
    assert "&lt;script&gt;" in text and "<script>" not in text
    assert "n/a" in text and "Cap &lt;1&gt;" in text
    assert "simkit-table" in text


def test_small_html_keeps_markup_and_sets_the_size():
    assert small_html("<b>x</b>", 13) == (
        "<div style='line-height:1.4;font-size:13px;color:inherit'><b>x</b></div>"
    )


def test_panel_shows_its_title_as_text():
    panel = Panel([], "WhatIf: strategy comparison")
    assert repr(panel) == "<WhatIf: strategy comparison>"
    assert panel._repr_mimebundle_()["text/plain"] == "<WhatIf: strategy comparison>"
