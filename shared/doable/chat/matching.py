"""Which task a person means when they name it: "complete report" among "Write report" and "Read report".

A title reference is ranked, not fuzzy-scored, so the outcome is easy to predict: the whole title
beats a phrase inside it, which beats words found anywhere in it, which beats a match only in the
description or tags. Ties are honest ambiguity, and the assistant asks which one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence

from doable.chat.replies import ORDINAL_WORDS
from doable.domain.model import Task

_WORD = re.compile(r"\w+", re.UNICODE)
EXACT, PHRASE, WORDS, ELSEWHERE = range(4)
_CHOICE = re.compile(
    r"(?:the |option |number |no\.? ?|#)?(?:(?P<n>[0-9]{1,2})(?:st|nd|rd|th)?|(?P<w>"
    + "|".join(ORDINAL_WORDS)
    + r"))(?: one| task| item)?"
)


def words(text: str) -> list[str]:
    return [word.casefold() for word in _WORD.findall(text)]


def rank(reference: str, title: str) -> int:
    """How well `reference` names a task called `title`: EXACT, PHRASE, WORDS or ELSEWHERE."""
    wanted, have = words(reference), words(title)
    if wanted == have:
        return EXACT
    size = len(wanted)
    if size and any(have[i : i + size] == wanted for i in range(len(have) - size + 1)):
        return PHRASE
    if wanted and all(any(word.startswith(part) for word in have) for part in wanted):
        return WORDS
    return ELSEWHERE


def best(reference: str, tasks: Sequence[Task], fits: Callable[[Task], bool]) -> list[Task]:
    """The best-ranked tasks, preferring those the action fits (open ones to complete, and so on)."""
    preferred = [task for task in tasks if fits(task)] or list(tasks)
    if not preferred:
        return []
    ranked = [(rank(reference, task.title), task) for task in preferred]
    top = min(score for score, _ in ranked)
    return [task for score, task in ranked if score == top]


def suggestions(reference: str, tasks: Sequence[Task], limit: int = 3) -> list[Task]:
    """Tasks whose titles look like a misspelling of `reference` ("by milk" for "Buy milk")."""
    by_title: dict[str, Task] = {}
    for task in tasks:
        by_title.setdefault(" ".join(words(task.title)), task)
    close = difflib.get_close_matches(" ".join(words(reference)), list(by_title), n=limit, cutoff=0.6)
    return [by_title[title] for title in close]


def read_choice(text: str) -> int | None:
    """'2', '#2', 'number 2', 'the second one', '2nd' → 2; anything else → None."""
    found = _CHOICE.fullmatch(" ".join(text.casefold().strip(" .!?").split()))
    if found is None:
        return None
    if found["n"] is not None:
        return int(found["n"])
    return ORDINAL_WORDS.index(found["w"]) + 1
