"""Hand-written rules of the question guard: patterns that block, and lawful patterns that allow.

Exemplars alone miss questions such as "how old will you be next year?", whose nearest exemplars are
about the future rather than about age. Rules catch those precisely. Each block pattern asks about the
candidate ("you", "your"), so "how old is the codebase" or "the height of a tree" pass.
Patterns run on normalised, lower-cased sentences (see `text.normalise`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_F = re.IGNORECASE


@dataclass(frozen=True)
class RuleHit:
    """One matching rule: its category (or lawful variant kind) and the rule's name."""

    category: str
    rule: str


def _c(*patterns: str) -> list[re.Pattern[str]]:
    return [re.compile(p, _F) for p in patterns]


# --- block rules, by category -------------------------------------------------------------------
BLOCK_RULES: dict[str, list[re.Pattern[str]]] = {
    "age": _c(
        r"\bhow old (are|were|will|would|r) (you|u)\b",
        r"\bhow old you (are|will be|were)\b",
        r"\byour (age|birthday|birth ?date|date of birth|year of birth|birth year)\b",
        r"\b(what|which) year (were|was) you born\b",
        r"\bwhen were you born\b",
        r"\b(when|what year|which year) did you (graduate|finish (high )?school|leave school|finish college)\b",
        r"\bgraduation (year|date)\b",
        r"\byou(r)? (plan|planning|intend|expect|think|thinking|want|hope)\w* (about |on )?(to )?retir",
        r"\bwhen (will|would|do|are) you (going to )?retire\b",
        r"\byour retirement\b",
        r"\b(until|before) you('d| would| will| could)? (think about |consider |start thinking about )?retir",
        r"\bdigital native\b",
        r"\byou (seem|look|are|sound)( \w+)? (young|old|mature)\b",
        r"\bare you (over|under|older than|younger than) (?!(18|eighteen|21|twenty-one|16)\b)\d+",
        r"\bbirthday\b.{0,30}\byou",
    ),
    "pregnancy": _c(
        r"\b(you|you're|your)\b.{0,40}\b(pregnan(t|cy)\b(?! pause)|maternity leave|paternity leave)",
        r"\bpregnan\w*\b.{0,30}\byou(r|'re)?\b",
        r"\bexpecting (a )?(baby|child)\b",
        r"\bwhen('s| is) your (due date|baby due)\b",
        r"\b(after|before) (having|you have) (a )?(baby|child)\b",
        r"\byou(r|'re)?\b.{0,30}\b(have|having) (a )?baby\b",
    ),
    "sexual_orientation_gender": _c(
        r"\bare you (gay|lesbian|bi|bisexual|straight|queer|trans|transgender|heterosexual|homosexual|non-?binary|lgbt\w*)\b",
        r"\b(your|you) (sexual orientation|sexuality|gender identity|sex life|orientation)\b",
        r"\bsexual orientation\b",
        r"\bassigned at birth\b",
        r"\bidentify as (lgbt\w*|gay|lesbian|trans\w*|queer|bisexual|straight|male|female|a man|a woman)\b",
        r"\b(boyfriend or (a )?girlfriend|girlfriend or (a )?boyfriend)\b",
        r"\bdo you date (men|women)\b",
    ),
    "family_status": _c(
        r"\bare you (married|single|divorced|widowed|engaged|seeing anyone|in a relationship)\b",
        r"\byour (wife|husband|spouse|fianc\w*|boyfriend|girlfriend)\b",
        r"\byou have (a )?(wife|husband|spouse|boyfriend|girlfriend)\b",
        r"\b(do|have) you (have|got) (any )?(kids|children|a family|dependants|dependents)\b",
        r"\bhow many (kids|children) (do|have) you\b",
        r"\b(start|starting|have|having|raise|raising) a family\b",
        r"\byour (kids|children|child|son|daughter|little ones|family responsibilities|family commitments|family situation)\b",
        r"\b(the|your) little ones\b",
        r"\bchild ?care\b",
        r"\b(babysitter|nanny)\b",
        r"\bmaiden name\b",
        r"\bmarital status\b",
        r"\bwho (looks after|takes care of|minds|watches|picks up) (your|the) (kids|children)\b",
    ),
    "religion": _c(
        r"\b(what|which) (religion|faith|church|mosque|synagogue|temple)\b",
        r"\byour (religion|faith|religious \w+|church|mosque|synagogue|temple)\b",
        r"\bdo you (observe|celebrate|practi[sc]e|follow)\b.{0,30}\b(religio\w*|faith|sabbath|ramadan|shabbat|lent)\b",
        r"\breligious holidays?\b",
        r"\b(go to|attend|belong to) (a |the )?(church|mosque|synagogue|temple|services)\b",
        r"\bare you (a |an )?(christian|muslim|jewish|jew|hindu|buddhist|sikh|catholic|protestant|atheist|religious|mormon)\b",
        r"\bdo you pray\b",
        r"\bbelieve in god\b",
        r"\bare you (a )?(practi[sc]ing|devout)\b",
    ),
    "national_origin": _c(
        r"\bwhere (were|was) you born\b",
        r"\bwere you born (in|outside|abroad)\b",
        r"\byour (birthplace|place of birth|country of (birth|origin)|nationality|ancestry|heritage|national origin|mother tongue|native (language|tongue)|first language|accent)\b",
        r"\bwhere('s| is| does) (your|that) accent\b",
        r"\bis english your\b",
        r"\b(where|what country|which country) (are|is|were|was|do|does) your (parents|family|grandparents|folks|mother|father|ancestors)\b",
        r"\bwhere (are you|is your family|do you come|does your family come)( \w+)? (originally|really)\b",
        r"\bwhere are you (originally |really )?from\b",
        r"\bare you an? ([\w.]+ )?citizen\b",
        r"\byour citizenship\b",
        r"\bwhat('s| is) your (nationality|citizenship)\b",
        r"\bare you (a )?(native|foreign|immigrant)\b",
        r"\b(grow|grew) up speaking\b",
        r"\blanguage\b.{0,30}\b(at home|growing up|as a child)\b",
    ),
    "race_ethnicity": _c(
        r"\byour (race|ethnicity|ethnic \w+|skin colou?r|racial \w+)\b",
        r"\bwhat race (are|is)\b",
        r"\bare you (black|white|asian|hispanic|latino|latina|latinx|mixed[- ]race|biracial|arab|native american|caucasian)\b(?![- ](box|list|board|hat|label))",
        r"\bethnic\w*\b.{0,40}\byou(r|'re)?\b",
        r"\byou(r|'re)?\b.{0,40}\bethnic\w*\b",
        r"\bracial (group|background|origin)\b",
    ),
    "disability_health": _c(
        r"\b(do|have|did) you (have|had|got|suffer)\b.{0,20}\b(disabilit\w*|illness\w*|medical|health (condition|problem|issue)s?|chronic|mental|injur\w*)",
        r"\byour (disabilit\w*|medical \w+|health|illness\w*|diagnos\w*|medication|mental health|hearing|eyesight)\b",
        r"\bsick (days|leave|notes?)\b",
        r"\byou(r|'re)?\b.{0,40}\b(medication|prescriptions?|medicine)\b",
        r"\bworkers'? comp(ensation)?\b",
        r"\bhospitali[sz]ed\b",
        r"\b(treated|treatment|therapy|rehab\w*) for\b",
        r"\byou(r|'re)?\b.{0,30}\b(depression|anxiety|adhd|autism|autistic|bipolar|diabetes|cancer|hiv|epilep\w*|mental (health|illness))\b",
        r"\bare you (disabled|deaf|blind|healthy|sick|ill|in good health)\b",
        r"\bdo you suffer\b",
        r"\bhow('s| is) your health\b",
    ),
    "arrest_record": _c(
        r"\byou(r|'re)?\b.{0,30}\b(been )?arrested\b",
        r"\b(your|you have an?|you have any) (arrest|criminal|police) (record|history)\b",
        r"\btaken into (police )?custody\b",
        r"\b(spent|spend) (a night|time|\w+ nights?) in (jail|prison|a cell)\b",
        r"\bpicked up by the police\b",
        r"\bpolice (ever )?(detained|stopped|arrested) you\b",
    ),
    "salary_history": _c(
        r"\byour (current|previous|last|past|present|prior|old) (salary|pay|compensation|wage|earnings|package|income|base|bonus)\b",
        r"\bsalary history\b",
        r"\bhow much (do|did) you (make|earn|get paid|take home)\b",
        r"\bhow much (were|are) you (paid|making|earning|getting)\b",
        r"\bwhat (do|did) you (earn|make)\b",
        r"\b(previous|prior|past|last|current|present) (compensation|salary|pay|wage)\b",
        r"\b(employer|company|they) pays? you\b",
        r"\b(pay stubs?|payslips?|w-?2 forms?)\b",
        r"\bwhat (are|were) you on\b",
        r"\byour (current )?package\b",
    ),
    "union_membership": _c(
        r"\b(member of|belong(s|ed)? to|join(ed|ing)?|membership (in|of)|in) (a|the|any|our) (trade |labou?r |workers'? )?union\b",
        r"\b(organi[sz](e|ed|ing)|support(ed|ing)?|start(ed|ing)?) (a |the )?(trade |labou?r )?union\b",
        r"\b(think|feel|views?|opinion|stance)\b.{0,20}\b(labou?r |trade )?unions\b(?! in \w+)",
        r"\bunion (member|membership|activit\w*|organi[sz]\w*|dues|rep|drive)\b",
        r"\bunioni[sz]\w*\b",
        r"\btrade unions?\b",
        r"\b(staff|colleagues|workers|employees)\b.{0,30}\borgani[sz]",
        r"\byou(r|'re)?\b.{0,30}\b(strike|picket)\b",
    ),
    "political_views": _c(
        r"\byou(r|'re)?\b.{0,20}\bvot(e|ed|ing)\b",
        r"\bpolitical (part(y|ies)|views?|beliefs?|affiliation|leanings?|opinions?)\b",
        r"\bare you (a )?(democrat|republican|conservative|liberal|socialist|libertarian|tory|labou?r voter)\b",
        r"\b(left|right)[- ]wing\b",
        r"\bwhich party\b",
        r"\byour politics\b",
        r"\byou(r|'re)?\b.{0,30}\b(think|feel|felt)\b.{0,30}\b(election|president|prime minister|government)\b",
    ),
    "credit_home_ownership": _c(
        r"\b(do|did) you (own|rent)\b.{0,20}\b(home|house|flat|apartment|place|property|car)\b",
        r"\bown or rent\b|\brent or own\b",
        r"\b(your|you have an?|you have any) (mortgage|credit (score|rating|history|report)|debts?|loans?)\b",
        r"\byou(r|'re)?\b.{0,30}\bcredit (score|rating|history|report|check)\b",
        r"\byour credit\b",
        r"\byou(r|'re)?\b.{0,30}\bbankrupt\w*\b",
        r"\bare you in debt\b",
        r"\bgarnish\w*\b",
        r"\bhomeowner\b",
        r"\bdo you (own|have) a (house|home|car)\b",
    ),
    "military_discharge": _c(
        r"\b(type|kind|nature|reason|terms) of (your |military )?discharge\b",
        r"\b(honou?rabl[ey]|dishonou?rabl[ey]|general|other than honou?rable)( \w+)? discharge",
        r"\bdischarge (papers|status|type|characteri[sz]ation)\b",
        r"\b(honou?rably|dishonou?rably) discharged\b",
        r"\bmilitary discharge\b",
        r"\bwhy were you discharged\b",
        r"\bdd[- ]?214\b",
        r"\byour (service|time in the (military|army|navy|forces)|military service)\b.{0,20}\bend\b",
        r"\b(kicked|thrown) out of the (army|navy|military|forces|marines|air force)\b",
    ),
    "appearance": _c(
        r"\bhow (tall|short|heavy) are you\b",
        r"\bhow much do you weigh\b",
        r"\byour (height|weight|size|dress size|waist|hair|looks|appearance|complexion|tattoos?|piercings?|figure|body)\b",
        r"\blose (some )?weight\b",
        r"\bdye your hair\b",
        r"\byou (look|are)\b.{0,30}\b(attractive|pretty|handsome|good-looking|overweight|fat|thin|skinny|presentable)\b",
        r"\byou look (professional|old|young|fit)\b",
        r"\bare you (overweight|attractive)\b",
        r"\bshave (your|that|the) (beard|head|moustache|mustache)\b",
        r"\b(remove|cover|change) your (piercings?|tattoos?|hairstyle|hair)\b",
    ),
}

# --- lawful variants: allowed when no block rule matched ------------------------------------------
ALLOW_RULES: dict[str, list[re.Pattern[str]]] = {
    "work_authorisation": _c(
        r"\b(legally )?(authori[sz]ed|eligible|permitted|entitled|allowed) to work\b",
        r"\b(require|need)s? (\w+ )?sponsorship\b",
        r"\bright to work\b",
    ),
    "minimum_age": _c(
        r"\b(at least|over|older than) (18|eighteen|21|twenty-one)\b",
        r"\b(18|eighteen|21|twenty-one) (years (old|of age) )?or (older|over)\b",
    ),
    "essential_functions": _c(
        r"\bwith or without (a )?(reasonable )?accommodation",
        r"\bessential (functions|duties)\b",
    ),
    "travel": _c(
        r"\b\d+ ?(%|percent)( of the time)? travel",
        r"\btravel (requirement|\d+)",
        r"\b(role|job|position) (needs|requires|involves)\b.{0,40}\btravel",
        r"\btravel\b.{0,40}\b(weeks?|days?) (a|per) (month|week)\b",
    ),
    "job_languages": _c(
        r"\bwhich (other )?languages do you (speak|read|write)\b",
        r"\b(can|do) you (speak|read|write)\b.{0,30}\b(english|spanish|french|german|mandarin|japanese|portuguese|italian|dutch|arabic|hindi)\b",
    ),
    "schedule": _c(
        r"\b(can|are|would) you (be )?(able to |available to |willing to )?(work|meet|cover)\b.{0,40}\b(weekends?|shifts?|schedule|on-?call|rota|hours|evenings?|nights?)\b",
    ),
    "salary_expectations": _c(r"\bsalary (expectations?|range)\b", r"\bexpected (salary|compensation)\b"),
}


# --- technical design questions: the block rules stand aside and the trained head decides ----------------
#: "How would you design / build / model ... a <system>" about a product, not about the candidate: "How would you
#: model marital status in an HR database" or "build a trade-union membership portal" name a protected topic as
#: the subject of the software. A sentence that also asks about the candidate ("your", "are you", ...) never
#: matches, so "How would you design your week around your kids?" still meets the block rules.
DESIGN_QUESTION = re.compile(
    r"^(how (would|do|should|could|can) you|what is the best way to|describe how you would) "
    r"(design|build|model|implement|store|architect|make|create|structure|scale|secure|compute|detect|test)\b"
    r".*\b(app|application|system|service|platform|feature|database|api|portal|flow|workflow|marketplace|"
    r"pipeline|data|schema|dashboard|tracker|form|site|website|engine|table|calendar|tool|field)s?\b",
    _F,
)
_ABOUT_YOU = re.compile(
    r"\b(your|yours|yourself|you're|you are|you have|are you|do you|did you|were you|you were)\b", _F
)


def is_design_question(sentence: str) -> bool:
    """A technical design question about a product (not about the candidate): see `DESIGN_QUESTION`."""
    return bool(DESIGN_QUESTION.search(sentence)) and not _ABOUT_YOU.search(sentence.split(" you ", 1)[-1])


def block_hits(sentence: str) -> list[RuleHit]:
    """Every block rule matching a normalised sentence, in category order."""
    hits = []
    for category, patterns in BLOCK_RULES.items():
        for i, pat in enumerate(patterns):
            if pat.search(sentence):
                hits.append(RuleHit(category, f"{category}#{i}"))
                break
    return hits


def allow_hits(sentence: str) -> list[RuleHit]:
    """Every lawful-variant rule matching a normalised sentence."""
    return [
        RuleHit(kind, f"{kind}#{i}")
        for kind, patterns in ALLOW_RULES.items()
        for i, pat in enumerate(patterns)
        if pat.search(sentence)
    ]
