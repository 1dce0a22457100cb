"""Local-offer content: the answers council staff keep in offer_content/."""

from bot.content.loader import CheckResult, check_offer, load_offer
from bot.content.model import (
    AGE_BANDS,
    CONDITIONS,
    NATIONAL,
    REQUIRED_TOPICS,
    ContentError,
    Council,
    Offer,
    Problem,
    Topic,
)
from bot.content.render import Rendered, render

__all__ = [
    "AGE_BANDS",
    "CONDITIONS",
    "NATIONAL",
    "REQUIRED_TOPICS",
    "CheckResult",
    "ContentError",
    "Council",
    "Offer",
    "Problem",
    "Rendered",
    "Topic",
    "check_offer",
    "load_offer",
    "render",
]
