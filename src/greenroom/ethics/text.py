"""Text preparation for the guards: strip markup, normalise, split into sentences, spot non-English text."""

from __future__ import annotations

import html
import re
import unicodedata

from greenroom.errors import InputError

#: Longest text a guard accepts (characters, after markup is stripped).
MAX_CHARS = 4000

_TAG = re.compile(r"<[^>]{0,200}>")
_MD = re.compile(r"(\*\*|__|`+|^#+\s*|^>\s*|^[-*+]\s+|\[(?=[^\]]*\]\()|\]\([^)]*\))", re.MULTILINE)
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+|(?<=[:;])\s+(?=[a-z])", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

_ENGLISH = frozenset(
    """a about after all am an and any are as at be been before but by can could did do does for from had has
    have how i if in is it its me my no not of on or our so that the their them there they this to us was we
    were what when where which who why will with would you your yours tell describe explain walk""".split()
)
_OTHER = frozenset(
    """el la los las que de del y en es usted tiene su por para una un con como cuántos cuál dónde
    le les des du et est vous votre avez êtes quel quelle pour avec dans une sont
    der die das und ist sie ihr haben sind wie wo wann welche nicht mit ein eine
    il lo gli che di è sei hai per con una non come dove
    o os as e é você seu sua tem para com uma não como onde""".split()
)


def normalise(text: str) -> str:
    """Plain text: HTML tags and entities, Markdown marks and zero-width characters removed; NFKC; one space."""
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _MD.sub(" ", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def prepare(text: str, *, max_chars: int = MAX_CHARS) -> str:
    """Normalise and validate: raise `InputError` for empty or over-long text."""
    if not isinstance(text, str):
        raise InputError(f"Expected text, got {type(text).__name__}.")
    clean = normalise(text)
    if not clean or not _WORD.search(clean):
        raise InputError("The text is empty (nothing left to check once markup is removed).")
    if len(clean) > max_chars:
        raise InputError(f"The text is too long to check: {len(clean)} characters (limit {max_chars}).")
    return clean


def sentences(text: str) -> list[str]:
    """Split normalised text into sentences (on . ? ! newlines, and before a clause after a colon)."""
    parts = [p.strip() for p in _SENTENCE.split(text)]
    return [p for p in parts if p and _WORD.search(p)]


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def is_probably_english(text: str) -> bool:
    """A cheap check that the embedding model (English-only) can judge the text.

    Non-Latin script, or Latin text with at least four words that reads as Spanish/French/German/
    Italian/Portuguese function words and not English ones, counts as not English.
    """
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return True
    latin = sum(1 for ch in letters if ch.isascii() or "LATIN" in unicodedata.name(ch, ""))
    if latin / len(letters) < 0.6:
        return False
    ws = words(text)
    if len(ws) < 4:
        return True
    english = sum(w in _ENGLISH for w in ws) / len(ws)
    other = sum(w in _OTHER and w not in _ENGLISH for w in ws) / len(ws)
    return not (other >= 0.15 and english < other)
