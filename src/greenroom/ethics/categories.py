"""The improper-question categories the guard blocks, each with a lawful variant to ask instead.

They follow the US EEOC's guidance on pre-employment inquiries, common US state laws (salary-history
bans, ban-the-box, credit-check limits) and EU equality and data-protection rules (see docs/ethics.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    """One protected topic: a stable key, a human title, and what to ask instead."""

    key: str
    title: str
    lawful_variant: str


CATEGORIES: dict[str, Category] = {
    c.key: c
    for c in (
        Category("age", "Age and its proxies (birth or graduation year, retirement)", "Are you at least 18 years old?"),
        Category(
            "family_status",
            "Marital or family status, children, childcare",
            "This role has an on-call rota one week in four and occasional evening releases. Can you meet that schedule?",
        ),
        Category(
            "pregnancy",
            "Pregnancy and plans for a family",
            "Can you perform the essential functions of this role, with or without reasonable accommodation?",
        ),
        Category(
            "religion",
            "Religion and religious practice",
            "This role sometimes needs weekend work during releases. Are you available for that schedule?",
        ),
        Category(
            "national_origin",
            "National origin, birthplace, ancestry, native language, citizenship beyond work authorisation",
            "Are you legally authorised to work in this country for this employer?",
        ),
        Category(
            "race_ethnicity",
            "Race, colour or ethnicity",
            "Which of your experiences is most relevant to this role?",
        ),
        Category(
            "disability_health",
            "Disability, health or medical history, sick days",
            "Can you perform the essential functions of this job, with or without reasonable accommodation?",
        ),
        Category(
            "sexual_orientation_gender",
            "Sexual orientation or gender identity",
            "Tell me about a time you worked well with colleagues whose backgrounds differed from yours.",
        ),
        Category(
            "arrest_record",
            "Arrest record",
            "This role requires a professional licence. Is there anything that would prevent you from holding it?",
        ),
        Category("salary_history", "Salary history", "What are your salary expectations for this role?"),
        Category(
            "union_membership",
            "Union membership or views on unions",
            "Tell me how you raise and resolve disagreements about working practices with your team.",
        ),
        Category(
            "political_views",
            "Political views and voting",
            "Tell me about a time you worked well with someone whose views differed from yours.",
        ),
        Category(
            "credit_home_ownership",
            "Credit history, debts, home or car ownership",
            "This role is based at our office. Will you be able to work on site as scheduled?",
        ),
        Category(
            "military_discharge",
            "Type of military discharge",
            "What experience or training from your military service is relevant to this role?",
        ),
        Category(
            "appearance",
            "Appearance, height, weight",
            "This role requires lifting up to 20 kg. Can you do that, with or without reasonable accommodation?",
        ),
    )
}

#: Not an improper topic: the guard cannot vouch for text in a language its model does not read, so it blocks it.
UNSUPPORTED_LANGUAGE = "unsupported_language"


def lawful_variant(category: str | None) -> str | None:
    """The suggested lawful question for a blocked category (None for categories without one)."""
    if category is None:
        return None
    cat = CATEGORIES.get(category)
    return cat.lawful_variant if cat else None
