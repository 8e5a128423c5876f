"""The request's language and its words (the words themselves live in `chanye.present.labels`)."""

from __future__ import annotations

from fastapi import Request

from chanye.present import labels

WORDS = labels.WORDS


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
    return "en" if lang == "en" else "zh"


def words_for(lang: str) -> dict[str, str]:
    """Every UI word in one language (for the page's scripts)."""
    return {k: (v[1] if lang == "en" else v[0]) for k, v in WORDS.items()}


def translator(lang: str):
    def t(key: str) -> str:
        pair = WORDS.get(key)
        return (pair[1] if lang == "en" else pair[0]) if pair else key

    return t
