"""The README's console output is what the commands print today (``make docs`` rewrites it).

Every ```` ```console ```` block of README.md that starts with ``$ simkit`` is run for real
(:mod:`tests.readme_blocks`) and compared with what the README shows; the figures those
blocks make must exist.
"""

from __future__ import annotations

import pytest

from tests.readme_blocks import README, ROOT, blocks, refresh

TEXT = README.read_text(encoding="utf-8")


def test_the_readme_shows_real_console_output_of_simkit_commands():
    found = blocks(TEXT)
    commands = [step.command for block in found for step in block.steps]
    assert any(c.startswith("simkit compare") for c in commands), commands
    assert all(step.shown for block in found for step in block.steps), "a command shows no output"
    for block in found:
        for _src, dst in block.figures:
            assert (ROOT / dst).is_file(), f"{dst} (made by `{block.steps[-1].command}`) is missing"
            assert f"]({dst})" in TEXT, f"{dst} is made for the README but not shown in it"


def test_a_changed_number_is_drift(monkeypatch):
    import tests.readme_blocks as rb

    text = "```console\n$ simkit strategies\nreactive  made up\n```\n"
    monkeypatch.setattr(rb, "run", lambda command, folder: "reactive  real\n")
    new, drift = refresh(text)
    assert new == "```console\n$ simkit strategies\nreactive  real\n```\n"
    assert "-reactive  made up\n" in drift and "+reactive  real\n" in drift
    assert refresh(new) == (new, [])


@pytest.mark.slow
def test_readme_console_blocks_match_the_real_output():
    _, drift = refresh(TEXT)
    assert not drift, "README.md is out of date; run `make docs`:\n" + "".join(drift)
