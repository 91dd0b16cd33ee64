"""Check-yourself questions for the lessons: pick an answer, learn at once whether and why.

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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Question:
    """A multiple-choice question with an explanation for every option.

    Parameters
    ----------
    prompt : the question.
    options : option text -> why it is right or wrong (shown after answering).
    answer : the correct option (one of ``options``).
    """

    prompt: str
    options: Mapping[str, str]
    answer: str
    _order: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.options) < 2:
            raise ValueError("a question needs at least two options")
        if self.answer not in self.options:
            raise ValueError(f"answer {self.answer!r} is not one of the options")
        object.__setattr__(self, "_order", tuple(self.options))

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
        """An ipywidgets box: the prompt, radio buttons, a Check button and the feedback."""
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
        box = w.VBox([prompt, radio, button, feedback])
        box.check = on_click  # type: ignore[attr-defined]  # lets tests press the button
        box.radio = radio  # type: ignore[attr-defined]
        box.feedback = feedback  # type: ignore[attr-defined]
        return box
