"""Local-offer content: the answers council staff keep in offer_content/."""

from bot.content.loader import load_offer
from bot.content.model import AGE_BANDS, ContentError, Offer, Topic, TopicText

__all__ = ["AGE_BANDS", "ContentError", "Offer", "Topic", "TopicText", "load_offer"]
