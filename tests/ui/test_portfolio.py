"""Tests for simkit.ui.portfolio: picking the book, uploads with problems, the team suggestion."""

from __future__ import annotations

import datetime as dt

from simkit.io.portfolio import EXAMPLE_AS_OF, PortfolioError, example_path
from simkit.ui.controls import WhatIfControls
from simkit.ui.portfolio import PortfolioPicker, book_html, problems_html
from tests.helpers import small_scenario

SHORT = small_scenario(horizon_years=0.5)  # 60 sampled accounts, 2 managers
BAD_CSV = (
    b"account_id,segment,arr,contract_end\n"
    b"A1,Gold,1000,2027-01-31\n"
    b"A2,small,-5,2027-01-31\n"
    b"A2,small,10,2027-01-31\n"
)


def make(**kw) -> tuple[PortfolioPicker, list[int]]:
    changes: list[int] = []
    picker = PortfolioPicker(WhatIfControls(SHORT), on_change=lambda: changes.append(1), **kw)
    return picker, changes


def upload_value(data: bytes, name: str) -> tuple[dict, ...]:
    return (
        {
            "name": name,
            "type": "text/csv",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": dt.datetime(2026, 10, 1),
        },
    )


def test_starts_on_the_built_in_book():
    picker, changes = make()
    assert picker.book is None and picker.source.value == "builtin"
    assert "60 accounts sampled from the scenario" in picker.status.value
    assert "Team set to 2 account manager(s)" in picker.status.value
    assert changes == []


def test_bad_upload_lists_every_problem_in_red_and_keeps_the_book():
    picker, changes = make()
    picker.upload.value = upload_value(BAD_CSV, "crm.csv")
    status = picker.status.value
    assert "#b2182b" in status
    assert "crm.csv: 3 problems" in status
    assert "row 2, column segment" in status and "row 3, column arr" in status
    assert "row 4, column account_id" in status
    assert picker.book is None and picker.source.value == "builtin"
    assert picker.upload.value == ()  # ready for the fixed file
    assert changes == []


def test_good_upload_becomes_the_book_with_a_team_of_the_same_load():
    picker, changes = make(as_of=dt.date.fromisoformat(EXAMPLE_AS_OF))
    picker.upload.value = upload_value(example_path().read_bytes(), "portfolio.csv")
    assert picker.source.value == "upload" and changes == [1]
    assert any("Your file: portfolio.csv (120" in label for label, _ in picker.source.options)
    assert len(picker.book) == 120
    per_manager = SHORT.portfolio.total_accounts / SHORT.team.managers  # 30 accounts each
    assert picker.controls.managers.value == round(120 / per_manager)
    assert picker.controls.segments["key"].disabled
    picker.use_builtin()
    assert picker.book is None and not picker.controls.segments["key"].disabled
    assert picker.controls.managers.value == SHORT.team.managers
    picker.source.value = "upload"  # back to the uploaded file, without uploading again
    assert len(picker.book) == 120


def test_the_example_can_be_picked_with_the_radio_buttons():
    picker, _ = make()
    picker.source.value = "example"
    assert len(picker.book) == 120 and "120 accounts" in picker.status.value


def test_book_html_sums_the_book():
    from simkit.io.portfolio import read_csv

    book = read_csv(example_path(), as_of=EXAMPLE_AS_OF)
    text = book_html(book)
    customers = int(book["stage"].isin(["customer", "loyal"]).sum())
    assert text.startswith(f"<b>{len(book)} accounts</b> as of {EXAMPLE_AS_OF}: ")
    assert f"{customers} customers" in text
    assert text.count("<tr>") == 1 + book["segment"].nunique()


def test_problems_html_lists_each_problem_escaped():
    text = problems_html(PortfolioError("my.csv", ["row 2, column arr: <bad>", "row 3: x"]))
    assert text.count("<li>") == 2 and "&lt;bad&gt;" in text
    assert "nothing was simulated" in text


def test_every_change_of_book_tells_the_page():
    picker, changes = make()
    picker.use_example()
    picker.source.value = "builtin"
    picker.source.value = "example"
    assert len(changes) == 3
