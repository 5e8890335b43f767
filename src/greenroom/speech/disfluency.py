"""Restarts and repetitions ("when they're when you've got", "it doesn't make ... it doesn't make") from the
word sequence and its timestamps, counted as their own figure, apart from fillers.

Three patterns, on lower-cased words with hesitations ("um", "uh") left out:

- *repetition*: a run of 1-4 words said twice in a row ("I I", "the the", "we went we went"); doubled
  intensifiers and answers ("very very", "no no", "bye bye") are not disfluencies;
- *restart*: a clause opener, one word, the same opener again, then a different word ("when they're when
  you've"): the speaker abandoned the first attempt. Set phrases of that shape ("one by one", "more and
  more", "I think I") are excluded by the middle word;
- *repeated phrase*: three or more words, starting with a clause opener, said again within the next
  `PHRASE_WINDOW` words ("it doesn't make when you pick it up it doesn't make"): the speaker went back to
  the start of the clause to pick it up again.

These are heuristics with stated reasons, not a parser: see docs/speech.md for what they measured.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from greenroom.speech.base import Word
from greenroom.speech.fillers import HESITATION

PHRASE_MIN = 3
PHRASE_WINDOW = 10
#: Words that open a clause (a restart begins again from one of them).
OPENERS = {
    "when", "what", "where", "why", "how", "if", "because", "so", "and", "but", "which", "who", "that",
    "i", "we", "they", "you", "he", "she", "it", "there",
    "i'm", "we're", "they're", "you're", "it's", "there's", "that's", "i've", "we've", "they've", "you've",
}  # fmt: skip
#: A middle word that makes "X _ X" a set phrase or a fluent clause, not a restart.
SET_PHRASE_MIDDLE = {
    "and", "or", "by", "to", "after", "for", "upon", "on", "in", "than", "of", "&",
    "because", "but", "so", "then", "while", "as", "if", "when", "which", "who", "where",
    "think", "know", "mean", "guess", "said", "say", "believe", "feel", "hope", "suppose", "thought",
    "knew", "felt", "wish", "want", "wanted", "need", "needed", "hear", "heard", "see", "saw", "told",
}  # fmt: skip
#: Doubled for emphasis, not by accident.
EMPHATIC = {"very", "really", "so", "no", "yeah", "yes", "bye", "ha", "ho", "much", "many", "more", "again", "well"}


@dataclass(frozen=True)
class Disfluency:
    """One restart or repetition: its kind, the words involved, and its times."""

    kind: str  # "repetition", "restart" or "repeated phrase"
    text: str
    start: float
    end: float


def _norm(token: str) -> str:
    return re.sub(r"[^\w']", "", token.lower().replace("’", "'"))


def find_disfluencies(words: Sequence[Word]) -> list[Disfluency]:
    """Every restart and repetition in a word sequence, in time order, none overlapping another."""
    ws = [w for w in words if _norm(w.text) and not HESITATION.match(_norm(w.text))]
    toks = [_norm(w.text) for w in ws]
    n = len(toks)
    out: list[Disfluency] = []
    used = [False] * n

    def add(kind: str, i: int, j: int) -> None:
        """Words i..j (inclusive) make one disfluency."""
        out.append(Disfluency(kind, " ".join(w.text for w in ws[i : j + 1]), ws[i].start, ws[j].end))
        for k in range(i, j + 1):
            used[k] = True

    for i in range(n - PHRASE_MIN + 1):
        # A speaker who goes back picks up from the start of a clause or phrase (Levelt 1983), so the
        # phrase must start with an opener: "it doesn't make ... it doesn't make", not a rhetorical
        # "can do for you, ask what you can do for".
        if used[i] or toks[i] not in OPENERS:
            continue
        phrase = toks[i : i + PHRASE_MIN]
        end = i + PHRASE_MIN
        for j in range(end, min(n - PHRASE_MIN + 1, end + PHRASE_WINDOW)):
            if toks[j : j + PHRASE_MIN] == phrase and not any(used[j : j + PHRASE_MIN]):
                add("repeated phrase", i, j + PHRASE_MIN - 1)
                for k in range(end, j):  # the words between stay free for the other patterns
                    used[k] = False
                break
    i = 0
    while i < n:
        if used[i]:
            i += 1
            continue
        hit = False
        for k in (4, 3, 2, 1):
            if i + 2 * k <= n and toks[i : i + k] == toks[i + k : i + 2 * k] and not any(used[i : i + 2 * k]):
                if k == 1 and toks[i] in EMPHATIC:
                    continue
                add("repetition", i, i + 2 * k - 1)
                i += 2 * k
                hit = True
                break
        if hit:
            continue
        if (
            i + 3 < n
            and toks[i] in OPENERS
            and toks[i] == toks[i + 2]
            and not any(used[i : i + 3])
            and not re.search(r"[,.;:!?]$", ws[i].text)  # "it, because it": a new clause, not a restart
            and toks[i + 1] != toks[i + 3]
            and toks[i + 1] not in SET_PHRASE_MIDDLE
        ):
            add("restart", i, i + 2)
            i += 2
            continue
        i += 1

    out.sort(key=lambda d: d.start)
    return out
