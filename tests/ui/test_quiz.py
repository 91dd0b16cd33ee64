"""Tests for simkit.ui.quiz: the check-yourself question, its logic, its widget and the
registry file the lessons load their questions from."""

from __future__ import annotations

import os

import ipywidgets as w
import pytest

from simkit.ui.quiz import QUESTIONS_FILE, Question, ask, load_questions

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


# ================================================================== the question registry

GOOD = """
[[question]]
id = "01-stage"
lesson = "01-accounts-and-stages"
prompt = "Which stage?"
answer = "loyal"

[[question.option]]
text = "loyal"
why = "Right: healthy renewals make an account loyal."

[[question.option]]
text = "former"
why = "No: it keeps renewing."
"""


def write(tmp_path, text):
    path = tmp_path / "questions.toml"
    path.write_text(text)
    return path


def test_a_question_loads_by_id_with_its_options_in_order(tmp_path):
    q = Question.load("01-stage", write(tmp_path, GOOD))
    assert (q.id, q.lesson, q.prompt, q.answer) == (
        "01-stage",
        "01-accounts-and-stages",
        "Which stage?",
        "loyal",
    )
    assert list(q.options) == ["loyal", "former"]
    assert q.check("former") == (False, "Not quite. No: it keeps renewing.")


def test_the_kit_questions_load_and_each_has_its_answer_among_the_options():
    questions = load_questions()
    assert len(questions) >= 9 and QUESTIONS_FILE.name == "questions.toml"
    for qid, q in questions.items():
        assert q.id == qid and q.lesson[:2] == qid[:2] and q.answer in q.options
        assert all(why.strip() for why in q.options.values())


def test_ask_shows_the_registry_question_and_hides_the_answer():
    box = ask("01-renewed-twice")
    assert "Which stage is it most likely in?" in box.children[0].value
    assert box.radio.value is None and box.feedback.value == ""
    shown = box._repr_mimebundle_()["text/plain"]
    assert shown.startswith("Check yourself: An account has renewed twice")
    assert "Yes:" not in shown and "answer=" not in shown
    box.radio.value = "loyal"
    box.check(None)
    assert "Correct!" in box.feedback.value


def test_an_unknown_id_is_one_clear_error(tmp_path):
    with pytest.raises(
        ValueError, match=r"no question '01-nope' in questions.toml; the ids are 01-stage"
    ):
        Question.load("01-nope", write(tmp_path, GOOD))


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ('answer = "loyal"', 'answr = "loyal"'),
            r"question 1 \('01-stage'\): unknown keys \['answr'\]",
        ),
        (
            ('answer = "loyal"', 'answer = "prospect"'),
            r"answer 'prospect' is not one of the options",
        ),
        (('why = "No: it keeps renewing."', 'wy = "x"'), r"option 2: unknown keys \['wy'\]"),
        (('text = "former"', 'text = "loyal"'), r"option 'loyal' appears twice"),
        (
            ('id = "01-stage"', 'id = "01 Stage"'),
            r"id must be lower-case letters, digits and dashes",
        ),
        (('lesson = "01-accounts-and-stages"\n', ""), r"missing \['lesson'\]"),
        (("[[question]]", "[[questions]]\n[[question]]"), r"unknown tables \['questions'\]"),
        (('prompt = "Which stage?"', "prompt = Which stage?"), r"not valid TOML"),
    ],
)
def test_a_bad_registry_names_the_question_and_the_key(tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        load_questions(write(tmp_path, GOOD.replace(*change, 1)))


def test_a_repeated_id_and_a_missing_file_are_refused(tmp_path):
    with pytest.raises(
        ValueError, match=r"question 2 \('01-stage'\): the id '01-stage' is used twice"
    ):
        load_questions(write(tmp_path, GOOD + GOOD))
    with pytest.raises(ValueError, match="no such question file"):
        load_questions(tmp_path / "missing.toml")


def test_an_edited_file_is_read_again(tmp_path):
    path = write(tmp_path, GOOD)
    assert Question.load("01-stage", path).prompt == "Which stage?"
    path.write_text(GOOD.replace("Which stage?", "Which stage now?"))
    os.utime(path, (1, 1))  # a different modification time, whatever the clock's resolution
    assert Question.load("01-stage", path).prompt == "Which stage now?"
