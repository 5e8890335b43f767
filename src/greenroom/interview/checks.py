"""Deterministic checks on an answer: sentences and clauses, prompt-injection removal, blinding of
demographic cues, gibberish and copied-question detection, STAR parts, and specificity counts.

Everything here is pure text processing (no model), so it is fast, repeatable and easy to test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from greenroom.privacy.techterms import TECH_TERMS

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_SENT_SPLIT = re.compile(r"(?<=[.?!])\s+(?=[\"'(\[A-Z0-9<])|\n+|(?<=[;])\s+")
_CLAUSE_SPLIT = re.compile(
    r",\s+(?:and|but|so|which|because|while|whereas|then|or)\s+|;\s+|\s+-\s+|:\s+|,\s+(?=(?:and then|so that)\b)", re.I
)
STOPWORDS = frozenset(
    """a an the is are was were be been being am i we you he she they it this that these those to of in on at by
    for with from and or but so if then than as not no do does did have has had can could would should will
    my our your their its me us them what when where which who how why there here also just very more most
    all any some each one about into over after before because while""".split()
)


def normalise(text: str) -> str:
    """Collapse spaces per line, drop empty lines and control characters."""
    text = re.sub(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u200b-\u200f\u2060\ufeff]", "", text or "")
    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line).strip()


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def sentences(text: str) -> list[str]:
    """Sentences (split on . ? ! ; and line breaks) that contain at least one word."""
    return [s.strip() for s in _SENT_SPLIT.split(text) if s and _WORD.search(s)]


def chunks(sents: list[str]) -> list[str]:
    """What key points are matched against: sentences, their clauses, and pairs of neighbouring sentences."""
    out: list[str] = []
    for i, s in enumerate(sents):
        out.append(s)
        clauses = [c.strip() for c in _CLAUSE_SPLIT.split(s) if c and len(words(c)) >= 3]
        if len(clauses) > 1:
            out += clauses
        if i + 1 < len(sents):
            out.append(f"{s} {sents[i + 1]}")
    seen: set[str] = set()
    return [c for c in out if not (c in seen or seen.add(c))]  # type: ignore[func-returns-value]


def truncate(text: str, max_chars: int) -> tuple[str, bool]:
    """At most `max_chars` characters, cut at a sentence or word boundary."""
    if len(text) <= max_chars:
        return text, False
    cut = text[:max_chars]
    stop = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "), cut.rfind("\n"))
    if stop > max_chars * 0.6:
        cut = cut[: stop + 1]
    else:
        cut = cut.rsplit(" ", 1)[0]
    return cut.strip(), True


# --- prompt injection ---------------------------------------------------------------------------------
_I = re.IGNORECASE
INJECTION_PATTERNS = [
    re.compile(p, _I)
    for p in (
        r"\b(ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,30}\b(previous|prior|above|earlier|preceding|your|"
        r"grading|grader'?s?|system|original)\b[^.!?\n]{0,20}\b(instructions?|prompts?|rubric|guidelines|directions|criteria|messages?)\b",
        r"\b(ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,12}\b(the |your |any |all )?(rubric|grading|scoring|instructions)\b",
        r"\b(10|ten|100)\s*(/|out of)\s*(10|ten|100)\b",
        r"\b(full marks|full points|top marks|perfect score|maximum score|top score|highest score|max score|full score)\b",
        r"\b(give|rate|score|grade|mark|award)\s+(this|my)\s+(answer|response|reply|submission)\b",
        r"\b(give|award|assign)\s+(me|it|this)\s+(a\s+|the\s+)?(high|good|top|perfect|full|maximum|highest|better)\s+(score|grade|marks?|rating)\b",
        r"\bdeserves?\b[^.!?\n]{0,20}\b(10|ten|full marks|top marks|(maximum|highest|top|perfect|high|full) (score|grade|marks|rating))\b",
        r"\b(you are|you're|act as|pretend (to be|you are)) (now )?(an? |the )?(ai|assistant|grader|evaluator|examiner|assessor|judge|language model|llm|chatbot)\b",
        r"\bas (the|an?) (ai |automated )?(grader|evaluator|examiner|assessor)\b",
        r"\b(grader|evaluator|examiner|assessor|grading (model|system))\b[^.!?\n]{0,20}(:|\b(must|should|shall|needs? to|has to|please)\b)",
        r"\bnote (to|for) (the )?(ai|grader|evaluator|model|assistant|system|examiner|reviewer)\b",
        r"^\s*(system|assistant|instructions?|admin|developer)\s*(prompt|message)?\s*:",
        r"</?\s*(answer|system|instructions?|prompt|user|assistant)\s*>|\[/?INST\]|<\|im_(start|end)\|>|<<\s*/?SYS\s*>>",
        r"\b(new|updated|real|actual|hidden|secret) (instructions?|system prompt)\b",
        r"\b(technical_score|response_quality)\b",
        r"\bthis (answer|response|reply) (is|was) (perfect|flawless|excellent|outstanding|correct and complete)\b",
        r"\bthis is (a|an) (perfect|flawless|excellent|outstanding) (answer|response)\b",
        r"\bgrade (this|it|me) (generously|highly|leniently)\b|\bgrade generously\b",
    )
]


def is_instruction(sentence: str) -> bool:
    """Does this sentence try to instruct the grader?"""
    return any(p.search(sentence) for p in INJECTION_PATTERNS)


# --- blinding: demographic cues are irrelevant to the grade --------------------------------------------
_DROP_SENTENCE = [
    re.compile(p, _I)
    for p in (
        r"\bmy name(?:'s| is)\b",
        r"\b(i am|i'm|im) called\b",
        r"\bcall me\b",
        r"\b(i am|i'm|i’m)\s+\d{1,3}\b(\s*(years?|yrs?)(\s*old)?)?",
        r"\b\d{1,3}[- ]?(years?|yrs?)[- ]old\b",
        r"\b(at|aged) (the )?(age )?(of )?\d{1,3}\b(?!\s*(%|ms|percent|requests|users|servers|nodes))",
        r"^(hi|hello|hey|good (morning|afternoon|evening))\b[^.!?]{0,60}$",
        r"<PERSON_\d+>",
    )
]
_NEUTRAL = [
    (re.compile(r"\b(wife|husband|girlfriend|boyfriend|fianc[ée]e?|spouse)\b", _I), "partner"),
    (re.compile(r"\b(wives|husbands|girlfriends|boyfriends|spouses)\b", _I), "partners"),
    (re.compile(r"\b(mother|father|mom|mum|dad|mommy|mummy|daddy)\b", _I), "parent"),
    (re.compile(r"\b(mothers|fathers|moms|mums|dads)\b", _I), "parents"),
    (re.compile(r"\b(son|daughter)\b", _I), "child"),
    (re.compile(r"\b(sons|daughters)\b", _I), "children"),
    (re.compile(r"\b(brother|sister)\b", _I), "sibling"),
    (re.compile(r"\bas an? (woman|man|girl|guy|lady|gentleman)\b", _I), "as a person"),
    (re.compile(r"\b(he|she)\b", _I), "they"),
    (re.compile(r"\b(him|her)\b", _I), "them"),
    (re.compile(r"\b(his|hers)\b", _I), "their"),
    (re.compile(r"\b(mr|mrs|ms|miss)\.?\s+(?=[A-Z])", _I), ""),
]


def blind(sents: list[str]) -> tuple[list[str], int]:
    """Sentences with self-introductions and ages dropped and gendered family words neutralised.

    The grade must not move with who the candidate is; these sentences carry no answer content.
    Returns the kept sentences and how many were dropped.
    """
    out: list[str] = []
    dropped = 0
    for s in sents:
        if any(p.search(s) for p in _DROP_SENTENCE) and len(words(s)) <= 25:
            dropped += 1
            continue
        for pat, repl in _NEUTRAL:
            s = pat.sub(repl, s)
        out.append(s)
    return out, dropped


# --- quality signals ----------------------------------------------------------------------------------
_VOWEL = re.compile(r"[aeiouyàâäéèêëíîïóôöúùûüæœ]", _I)
_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}", _I)
_REPEAT = re.compile(r"(.)\1{2,}")


def gibberish_ratio(text: str) -> float:
    """Share of words that do not look like words (no vowel, long consonant runs, repeated letters, very long)."""
    ws = words(text)
    if not ws:
        return 1.0
    bad = 0
    for w in ws:
        if w in TECH_TERMS or w in STOPWORDS:
            continue
        if len(w) > 3 and not _VOWEL.search(w) or _CONSONANT_RUN.search(w) or _REPEAT.search(w) or len(w) > 24:
            bad += 1
    return bad / len(ws)


def is_gibberish(text: str) -> bool:
    """Keyboard mashing or word salad without function words."""
    ws = words(text)
    if not ws:
        return True
    stop = sum(w in STOPWORDS for w in ws) / len(ws)
    tech = sum(w in TECH_TERMS for w in ws)
    if gibberish_ratio(text) >= 0.4:
        return True
    return len(ws) >= 6 and stop < 0.12 and tech < 2


def copies_question(answer: str, question: str) -> bool:
    """The answer mostly repeats the question's own words."""
    a = [w for w in words(answer) if w not in STOPWORDS]
    q = set(words(question))
    if not a:
        return False
    overlap = sum(w in q for w in a) / len(a)
    return overlap >= 0.75 and len(words(answer)) <= len(words(question)) + 6


STAR_PATTERNS: dict[str, re.Pattern[str]] = {
    "situation": re.compile(
        r"\b(at my (last|previous|current|first|old) (job|company|role|team|employer|workplace)|when i (was|worked|joined)|"
        r"in my (last|previous|current|first) (job|role|team|position|company)|last (year|quarter|month|summer)|"
        r"a few (years|months) ago|we were|our team|the (project|team|company|client|product) (was|had|needed|wanted)|"
        r"in 20\d\d|at (a|an|the) (startup|company|bank|agency)|i was working|i once|once,? (i|we|our)|"
        r"(my|our|a) (colleague|manager|team ?lead|client|customer|teammate))\b",
        _I,
    ),
    "task": re.compile(
        r"\b(my (role|task|job|responsibility|goal|assignment) was|i was (responsible|asked|tasked|in charge|supposed)|"
        r"i (needed|had) to|we (needed|had) to|the goal was|the (task|challenge|problem) was|i owned|my aim was|"
        r"it was my job)\b",
        _I,
    ),
    "action": re.compile(
        r"\b(i|we) (then |also |quickly |first |finally )?(\w+ed|wrote|built|set up|met|spoke|led|ran|took|made|"
        r"drew|sent|found|broke|chose|gave|told|got|did|brought|began|kept|sat|put|went|paired|shared|split|"
        r"rolled back|reached out)\b",
        _I,
    ),
    "result": re.compile(
        r"\b(as a result|in the end|the result|the outcome|resulted in|ended up|eventually|finally|afterwards|"
        r"reduced|increased|improved|cut|saved|shipped|launched|delivered|went from|dropped|halved|doubled|grew|"
        r"fell|succeeded|hit the|met the (deadline|goal|target)|on time|within|since then|now i|worked out|"
        r"recovered|resolved|solved|fixed|paid off|turned out|went live|was adopted|were adopted)\b",
        _I,
    ),
}
_REFLECTION = re.compile(
    r"\b(i learn(ed|t)|lesson|next time|i now|now i|since then i|taught me|i realised|i realized)\b", _I
)
_NUMBER = re.compile(
    r"(?<![\w.])\d+(?:[.,]\d+)?\s*(%|percent|x\b|ms\b|k\b)?|\b(two|three|four|five|six|seven|eight|nine|ten|"
    r"twelve|fifteen|twenty|thirty|forty|fifty|hundreds?|thousands?|millions?|half|halved|doubled|tripled)\b",
    _I,
)
_EXAMPLE = re.compile(
    r"\b(for example|for instance|e\.g\.|such as|in my (last|previous|current) (project|job|role|team)|"
    r"in production|we used|i used|at my (last|previous|current) (job|company))\b",
    _I,
)
_CONNECTIVE = re.compile(
    r"\b(because|so that|therefore|however|first(ly)?|second(ly)?|then|finally|for example|for instance|"
    r"which means|as a result|on the other hand|the trade-?off|whereas|instead|in short|overall|also)\b",
    _I,
)
_FILLER = re.compile(
    r"\b(um+|uh+|erm|like,|you know|basically|kind of|sort of|i guess|whatever|stuff|things like that)\b", _I
)
_HEDGE = re.compile(r"\b(i think|i guess|maybe|probably|not sure|i don't know|i dont know|no idea|perhaps)\b", _I)
#: Words that explain how or why something works: a list of names without any of these is not "specific".
_MECHANISM = re.compile(
    r"\b(because|since|so that|so|which|that way|by \w+ing|when|whenever|if|then|instead of|until|unless|"
    r"otherwise|means|lets|let|allows?|ensures?|prevents?|causes?|avoids?|in order to|therefore|as a result|"
    r"before|after|while|only|each|every)\b",
    _I,
)


def is_list_sentence(sentence: str) -> bool:
    """A sentence that is mostly a list of names or phrases ("Kafka, Redis, gRPC and a mesh"), not an explanation."""
    ws = words(sentence)
    if len(ws) < 6:
        return len(ws) <= 3 or not _MECHANISM.search(sentence)
    parts = [p for p in re.split(r"[,/]", sentence) if words(p)]
    if len(parts) < 4:
        return False
    short = sum(1 for p in parts if len(words(p)) <= 3)
    return short / len(parts) >= 0.5


@dataclass
class TextSignals:
    """Counts the response-quality formula uses."""

    n_words: int = 0
    n_sentences: int = 0
    numbers: int = 0
    tech_terms: list[str] = field(default_factory=list)
    examples: int = 0
    connectives: int = 0
    fillers: int = 0
    hedges: int = 0
    star: dict[str, bool] = field(default_factory=dict)
    reflection: bool = False
    mechanisms: int = 0
    explained_words: int = 0

    @property
    def explained_ratio(self) -> float:
        """The share of the words in sentences that explain (not fragments or lists of names)."""
        return self.explained_words / self.n_words if self.n_words else 0.0

    @property
    def avg_sentence_words(self) -> float:
        return self.n_words / self.n_sentences if self.n_sentences else 0.0


def signals(sents: list[str]) -> TextSignals:
    text = " ".join(sents)
    ws = words(text)
    tech = sorted({w for w in ws if w in TECH_TERMS and len(w) > 1})
    return TextSignals(
        n_words=len(ws),
        n_sentences=len(sents),
        numbers=len(_NUMBER.findall(text)),
        tech_terms=tech,
        examples=len(_EXAMPLE.findall(text)),
        connectives=len(_CONNECTIVE.findall(text)),
        fillers=len(_FILLER.findall(text)),
        hedges=len(_HEDGE.findall(text)),
        star={part: bool(p.search(text)) for part, p in STAR_PATTERNS.items()},
        reflection=bool(_REFLECTION.search(text)),
        mechanisms=len(_MECHANISM.findall(text)),
        explained_words=sum(len(words(s)) for s in sents if not is_list_sentence(s)),
    )
