"""The risk categories, most urgent first, and what each one is for."""

from __future__ import annotations

SUICIDE_SELF_HARM = "suicide_self_harm"
ABUSE_VIOLENCE = "abuse_violence"
EXPLOITATION = "exploitation"
MEDICAL_EMERGENCY = "medical_emergency"
HOMELESS_TONIGHT = "homeless_tonight"
NO_FOOD_MONEY_HEAT = "no_food_money_heat"
EVICTION_RISK = "eviction_risk"
# The label for "no current risk" in training and evaluation data.
NONE = "none"

# When a message raises two, the reply and escalation follow the first in this order: where
# help is needed first (an overdose taken is a medical emergency before it is anything else).
PRIORITY: tuple[str, ...] = (
    MEDICAL_EMERGENCY,
    SUICIDE_SELF_HARM,
    ABUSE_VIOLENCE,
    EXPLOITATION,
    HOMELESS_TONIGHT,
    NO_FOOD_MONEY_HEAT,
    EVICTION_RISK,
)
CATEGORIES = frozenset(PRIORITY)
LABELS = frozenset({*PRIORITY, NONE})

# The older two-way names (the topic classifier's intents, stored messages and escalations
# made before the taxonomy) and the category each stands for.
LEGACY = {"crisis": SUICIDE_SELF_HARM, "homeless_now": HOMELESS_TONIGHT}


def most_urgent(categories: set[str] | frozenset[str]) -> str | None:
    """The category to act on first, or None."""
    for category in PRIORITY:
        if category in categories:
            return category
    return None
