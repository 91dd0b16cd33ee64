"""Check-yourself questions for the lessons: pick an answer, learn at once whether and why.

The questions live in ``simkit/data/questions.toml``, not in the notebooks, so a lesson
shows only the call -- ``ask("01-renewed-twice")`` -- and never the answer or the
explanations; a trainee meets them only after choosing. A teacher edits the TOML file:

.. code-block:: toml

    [[question]]
    id = "01-renewed-twice"              # how a lesson asks it
    lesson = "01-accounts-and-stages"    # the notebook that asks it
    prompt = "An account has renewed twice and its health is high. Which stage ...?"
    answer = "loyal"                     # the text of the right option

    [[question.option]]
    text = "prospect"
    why = "No: a prospect has not bought anything yet."   # shown after choosing it

The logic (:class:`Question` and :meth:`Question.check`) is plain Python, so it is tested
without a browser; :meth:`Question.widget` wraps it in ipywidgets for the notebooks.

>>> q = Question(
...     "Which accounts does key-account focus risk losing?",
...     {"The largest accounts": "No: they get the most attention under KAM.",
...      "The long tail of small accounts": "Right: nobody calls them until they leave.",
...      "Prospects": "No: KAM is about existing customers."},
...     answer="The long tail of small accounts",
... )
>>> q.check("Prospects")
(False, 'Not quite. No: KAM is about existing customers.')
>>> q.check("The long tail of small accounts")[0]
True
>>> Question.load("01-renewed-twice").answer
'loyal'
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["QUESTIONS_FILE", "Question", "ask", "load_questions"]

QUESTIONS_FILE = Path(__file__).resolve().parents[1] / "data" / "questions.toml"
"""The check-yourself questions of every lesson: prompts, options, explanations, answers."""

_QUESTION_KEYS = {"id", "lesson", "prompt", "answer", "option"}
_OPTION_KEYS = {"text", "why"}
_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class Question:
    """A multiple-choice question with an explanation for every option.

    Parameters
    ----------
    prompt : the question.
    options : option text -> why it is right or wrong (shown after answering).
    answer : the correct option (one of ``options``).
    id : the question's id in the registry (``"01-renewed-twice"``); empty for a question
        made in code.
    lesson : the notebook that asks it (``"01-accounts-and-stages"``), if known.
    """

    prompt: str
    options: Mapping[str, str]
    answer: str
    id: str = ""
    lesson: str = ""
    _order: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.options) < 2:
            raise ValueError("a question needs at least two options")
        if self.answer not in self.options:
            raise ValueError(f"answer {self.answer!r} is not one of the options")
        object.__setattr__(self, "_order", tuple(self.options))

    @classmethod
    def load(cls, question_id: str, path: Path | str | None = None) -> Question:
        """The question ``question_id`` of the registry (``path``, default
        :data:`QUESTIONS_FILE`).

        >>> Question.load("01-renewed-twice").lesson
        '01-accounts-and-stages'
        >>> Question.load("01-no-such-question")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: no question '01-no-such-question' in questions.toml; the ids are 00-...
        """
        questions = load_questions(path)
        try:
            return questions[question_id]
        except KeyError:
            name = Path(path or QUESTIONS_FILE).name
            raise ValueError(
                f"no question {question_id!r} in {name}; the ids are {', '.join(questions)}"
            ) from None

    def check(self, choice: str | None) -> tuple[bool, str]:
        """(correct?, feedback) for a chosen option."""
        if choice is None:
            return False, "Pick an answer first."
        if choice not in self.options:
            raise ValueError(f"{choice!r} is not one of the options: {list(self.options)}")
        ok = choice == self.answer
        prefix = "Correct! " if ok else "Not quite. "
        return ok, prefix + self.options[choice]

    def widget(self) -> Any:
        """An ipywidgets box: the prompt, radio buttons, a Check button and the feedback.

        Nothing of the answer is in the box until an option is checked, so a saved
        notebook shows the prompt and the options only.
        """
        import html

        import ipywidgets as w

        radio = w.RadioButtons(
            options=list(self._order), value=None, layout=w.Layout(width="max-content")
        )
        button = w.Button(description="Check", button_style="primary", icon="check")
        feedback = w.HTML()

        def on_click(_b: object) -> None:
            ok, text = self.check(radio.value)
            colour = "#1b7837" if ok else "#b2182b"
            feedback.value = f"<span style='color:{colour}'>{html.escape(text)}</span>"

        button.on_click(on_click)
        prompt = w.HTML(f"<b>Check yourself:</b> {html.escape(self.prompt)}")
        box = _box_class()([prompt, radio, button, feedback])
        box.text = f"Check yourself: {self.prompt} (run the notebook to answer)"
        box.check = on_click  # lets tests press the button
        box.radio = radio
        box.feedback = feedback
        return box


@lru_cache(maxsize=1)
def _box_class() -> type:
    """A VBox whose plain-text form is the whole question (what a notebook viewer without
    widgets shows), made on first use so that importing this module needs no ipywidgets."""
    import ipywidgets as w

    class QuestionBox(w.VBox):  # type: ignore[misc]
        text = ""

        def __repr__(self) -> str:
            return self.text or super().__repr__()

        def _repr_mimebundle_(self, **kwargs: Any) -> dict:
            bundle = super()._repr_mimebundle_(**kwargs)
            if bundle is not None and self.text:
                bundle["text/plain"] = self.text  # in full, not cut at 110 characters
            return bundle

    return QuestionBox


def ask(question_id: str) -> Any:
    """Show the registry's question ``question_id`` as a widget: what a lesson's cell calls.

    >>> ask("01-renewed-twice").radio.options[:2]
    ('prospect', 'customer')
    """
    return Question.load(question_id).widget()


# ------------------------------------------------------------------ the registry file
def _option(entry: Mapping[str, Any], where: str, i: int) -> tuple[str, str]:
    unknown = set(entry) - _OPTION_KEYS
    missing = _OPTION_KEYS - set(entry)
    if unknown or missing:
        raise ValueError(
            f"{where} option {i + 1}: "
            + (f"unknown keys {sorted(unknown)}" if unknown else f"missing {sorted(missing)}")
            + f"; each option has {sorted(_OPTION_KEYS)}"
        )
    text, why = entry["text"], entry["why"]
    if not (isinstance(text, str) and text.strip() and isinstance(why, str) and why.strip()):
        raise ValueError(f"{where} option {i + 1}: text and why must be non-empty text")
    return text, why


def _question(entry: Mapping[str, Any], where: str) -> Question:
    unknown = set(entry) - _QUESTION_KEYS
    if unknown:
        raise ValueError(
            f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_QUESTION_KEYS)}"
        )
    missing = _QUESTION_KEYS - set(entry)
    if missing:
        raise ValueError(f"{where}: missing {sorted(missing)}")
    qid = entry["id"]
    if not isinstance(qid, str) or not _ID.fullmatch(qid):
        raise ValueError(f"{where}: id must be lower-case letters, digits and dashes")
    options: dict[str, str] = {}
    for i, option in enumerate(entry["option"]):
        text, why = _option(option, where, i)
        if text in options:
            raise ValueError(f"{where}: option {text!r} appears twice")
        options[text] = why
    try:
        return Question(
            prompt=str(entry["prompt"]),
            options=options,
            answer=str(entry["answer"]),
            id=qid,
            lesson=str(entry["lesson"]),
        )
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


@lru_cache(maxsize=8)
def _read(path: Path, mtime: float) -> dict[str, Question]:
    name = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{name}: not valid TOML ({exc})") from None
    extra = set(data) - {"question"}
    if extra:
        raise ValueError(f"{name}: unknown tables {sorted(extra)}; only [[question]] entries")
    questions: dict[str, Question] = {}
    for i, entry in enumerate(data.get("question", [])):
        where = f"{name}: question {i + 1} ({entry.get('id', 'no id')!r})"
        q = _question(entry, where)
        if q.id in questions:
            raise ValueError(f"{where}: the id {q.id!r} is used twice")
        questions[q.id] = q
    return questions


def load_questions(path: Path | str | None = None) -> dict[str, Question]:
    """Every question of a registry file (default :data:`QUESTIONS_FILE`), by id, in order.

    Every key is checked, so a typo names the question and the key:

    >>> import pathlib, tempfile
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "questions.toml"
    >>> _ = bad.write_text('[[question]]\\nid = "x"\\nlesson = "01"\\nprompt = "?"\\n'
    ...                    'answr = "a"\\noption = []\\n')
    >>> load_questions(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: questions.toml: question 1 ('x'): unknown keys ['answr']; allowed: [...]
    """
    p = Path(path or QUESTIONS_FILE)
    if not p.is_file():
        raise ValueError(f"{p}: no such question file")
    return dict(_read(p.resolve(), p.stat().st_mtime))
