"""Plain-English labels for codes staff see on the dashboard (staff text is English only)."""

from __future__ import annotations

REASONS = {
    "asked_for_pa": "Asked for their PA",
    "crisis": "Crisis (safety)",
    "homeless_now": "Homeless tonight",
    "suicide_self_harm": "Risk: suicide or self-harm",
    "abuse_violence": "Risk: violence, threats or abuse",
    "exploitation": "Risk: exploitation",
    "medical_emergency": "Risk: medical emergency",
    "homeless_tonight": "Risk: homeless tonight",
    "no_food_money_heat": "Risk: no food, money or heating today",
    "eviction_risk": "Risk: at risk of eviction",
    "not_understood": "The bot could not help",
    "checkin_not_good": "Check-in: not doing well",
    "lost_contact": "Lost contact",
    "pa_support_again": "Asked for a PA again (21-25): resolve once a PA is allocated",
}

ROUTINGS = {
    "in_hours": "In the PA's working hours",
    "out_of_hours": "Out of hours (duty contact told)",
    "pa_away": "PA away (duty contact told)",
    "no_pa": "No PA (duty contact told)",
    "anonymous": "Anonymous visitor (team told)",
}

STATUSES = {"open": "Open", "acknowledged": "Acknowledged", "resolved": "Resolved"}

SUPPORT = {
    "active": "Active (under 21)",
    "opted_in": "Opted in to support from 21",
    "opted_out": "Opted out of support from 21",
    "ended": "Support ended",
    "requested": "Asked for a PA again (waiting for a PA)",
}

DELIVERY = {
    "pending": "Queued",
    "sending": "Sending",
    "sent": "Sent",
    "failed": "Not delivered",
    "cancelled": "Cancelled",
    "held": "Waiting (an urgent escalation is open)",
    "unconfirmed": "Not confirmed (interrupted while sending)",
}

# What a young person sent when it was not text: "sent a sticker".
KINDS = {
    "sticker": "sent a sticker",
    "photo": "sent a photo",
    "voice": "sent a voice message",
    "video": "sent a video",
    "file": "sent a file",
    "location": "shared a location",
    "other": "sent something the bot cannot show",
}

# What the bot sends to keep in touch, and the answers it gets.
KEEP_IN_TOUCH = {
    "checkin": "Check-in",
    "checkin_reminder": "Check-in reminder",
    "optin_prompt": "Question about PA support after 21",
    "optin_reminder": "Reminder about PA support after 21",
    "birthday_reminder": "Birthday reminder: they can still ask for a PA",
    "closing": "Closing message at 25",
    "yes": "Yes, keep my PA",
    "no": "No thanks",
    "not_sure": "Not sure yet",
}

ROLES = {"pa": "PA", "manager": "Team manager", "editor": "Content editor", "admin": "Admin"}

CHANNELS = {
    "telegram": "Telegram",
    "whatsapp": "WhatsApp",
    "web": "Web chat",
    "terminal": "Terminal",
}


def label(table: dict[str, str], code: str | None) -> str:
    """The label for a code, or the code itself made readable when it is new."""
    if code is None:
        return ""
    return table.get(code, code.replace("_", " ").capitalize())


def kind_label(kind: str | None) -> str | None:
    """None for text; otherwise what the person did, e.g. "sent a sticker"."""
    if kind in (None, "text"):
        return None
    if kind == "button":
        return "pressed a button"
    return KINDS.get(kind, f"sent a {kind.replace('_', ' ')}")


RISK_SOURCES = {
    "lexicon": "Risk phrase matched",
    "classifier": "Risk classifier",
    "intent": "Topic classifier read it as a crisis",
}
