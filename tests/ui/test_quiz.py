"""Tests for simkit.ui.quiz: the check-yourself question, its logic and its widget."""

from __future__ import annotations

import ipywidgets as w
import pytest

from simkit.ui.quiz import Question

OPTIONS = {
    "loyal": "Right: healthy renewals make an account loyal.",
    "former": "No: it keeps renewing.",
    "prospect": "No: it has bought already.",
}


def make() -> Question:
    return Question("Which stage?", OPTIONS, answer="loyal")


def test_check_gives_the_verdict_and_the_reason():
    q = make()
    assert q.check("loyal") == (True, "Correct! " + OPTIONS["loyal"])
    assert q.check("former") == (False, "Not quite. " + OPTIONS["former"])
    assert q.check(None) == (False, "Pick an answer first.")


def test_check_refuses_an_option_that_does_not_exist():
    with pytest.raises(ValueError, match="'customer' is not one of the options"):
        make().check("customer")


@pytest.mark.parametrize(
    "options, answer, message",
    [
        ({"only": "one"}, "only", "at least two options"),
        (OPTIONS, "customer", "answer 'customer' is not one of the options"),
    ],
)
def test_bad_questions_are_refused(options, answer, message):
    with pytest.raises(ValueError, match=message):
        Question("?", options, answer=answer)


def test_widget_lists_the_options_in_order_with_none_picked():
    box = make().widget()
    assert isinstance(box, w.VBox)
    assert box.radio.options == tuple(OPTIONS)
    assert box.radio.value is None
    assert "Which stage?" in box.children[0].value


def test_widget_button_shows_feedback_in_colour():
    box = make().widget()
    button = next(c for c in box.children if isinstance(c, w.Button))
    button.click()
    assert "Pick an answer first." in box.feedback.value
    box.radio.value = "former"
    button.click()
    assert "Not quite." in box.feedback.value and "#b2182b" in box.feedback.value
    box.radio.value = "loyal"
    box.check(None)
    assert "Correct!" in box.feedback.value and "#1b7837" in box.feedback.value


def test_widget_escapes_text_meant_as_plain_words():
    q = Question("Is 3 < 5 & 5 > 3?", {"yes": "both <b>hold</b>", "no": "look again"}, "yes")
    box = q.widget()
    assert "3 &lt; 5 &amp; 5 &gt; 3" in box.children[0].value
    box.radio.value = "yes"
    box.check(None)
    assert "&lt;b&gt;hold&lt;/b&gt;" in box.feedback.value
