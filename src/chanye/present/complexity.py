"""Economic-complexity notes as the user reads them (issue 10): `chanye.analytics.complexity` returns machine
codes with parameters (`Note`); the sentences come from `chanye.present.labels` (`cx_note_<code>`). Names of
places and activities are the panel's own codes, kept as data and only joined here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chanye.analytics.complexity import Note
from chanye.present import labels

PREFIX = "cx_note_"


def is_code(code: str) -> bool:
    """Whether `code` is one of the complexity engine's note codes (present/opportunities asks)."""
    return PREFIX + code in labels.WORDS


def note_text(note: Note, lang: str = "zh") -> str:
    """A note (code, parameters) as a sentence in `lang`, led by its year where the panel has years."""
    code, params = note
    words = dict(params)
    sep = labels.word("cx_note_list_sep", lang)
    for key, value in params.items():
        if isinstance(value, list | tuple):
            words[key] = sep.join(map(str, value))
    if "names" in params and params.get("more"):
        words["names"] += labels.word("cx_note_more", lang)
    text = labels.word(PREFIX + code, lang).format(**words)
    if "year" in params:
        text = labels.word("cx_note_year", lang).format(year=params["year"]) + text
    return text


def notes(items: Iterable[Note], lang: str = "zh") -> list[dict[str, Any]]:
    """Notes as JSON: the machine code, its parameters and the sentence in `lang`."""
    return [{"code": code, "params": dict(params), "text": note_text((code, params), lang)} for code, params in items]
