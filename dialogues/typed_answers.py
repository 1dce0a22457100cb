"""Typed answers to a question asked with buttons: "yes", "no", "ok", a button's own title,
and their common misspellings and translations, read as a press of that button."""

from __future__ import annotations

import difflib
import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import payloads
from bot.models import ChannelIdentity, Message

YES, NO, OK, GOOD, NOT_GOOD, NOT_SURE = "yes", "no", "ok", "good", "not_good", "not_sure"

# What each button value means as an answer.
BUTTON_CLASS = {
    "yes": YES,
    "delete_yes": YES,
    "stop_yes": YES,
    "no": NO,
    "delete_no": NO,
    "stop_no": NO,
    "ok": OK,
    "good": GOOD,
    "not_good": NOT_GOOD,
    "not_sure": NOT_SURE,
}
# A typed answer, and the buttons it may stand for, best first. "ok" agrees to a yes/no
# question, except where yes deletes or stops something: that needs a real yes.
ACCEPTS = {
    YES: (YES, OK),
    OK: (OK, GOOD, YES),
    GOOD: (GOOD, OK),
    NO: (NO,),
    NOT_GOOD: (NOT_GOOD,),
    NOT_SURE: (NOT_SURE,),
}
NEEDS_REAL_YES = frozenset({payloads.PRIVACY})

# Whole messages, after normalising (lower case, no punctuation or emoji). The translations
# are drafts awaiting native speakers, like the stop words and the safety lexicon.
WORDS: dict[str, frozenset[str]] = {
    YES: frozenset(
        {"yes", "y", "ye", "yea", "yeah", "yeh", "yep", "yup", "ya", "yas", "yess", "yesss"}
        | {"yes please", "yes pls", "yes plz", "yes thanks", "aye", "sure", "ofc", "of course"}
        | {"definitely", "correct", "thats right", "yh", "yeah please", "yep please"}
    )
    | frozenset({"نعم", "ايوه", "أيوه", "اي", "أجل", "ايه"})  # Arabic
    | frozenset({"بله", "بلی", "آره", "اره", "ها"})  # Dari / Farsi
    | frozenset({"هو", "هوکې", "هو کې", "هوکي"})  # Pashto
    | frozenset({"بەڵێ", "بەلێ", "ئەرێ", "ئا", "بەلی"})  # Kurdish Sorani
    | frozenset({"po", "po po", "po faleminderit"})  # Albanian
    | frozenset({"እወ", "እወ ኢዩ"})  # Tigrinya
    | frozenset({"có", "co", "vâng", "vang", "dạ", "da", "ừ", "đúng", "đúng rồi"}),
    NO: frozenset(
        {"no", "n", "nah", "nope", "noo", "nooo", "na", "nop", "no thanks", "no thank you"}
        | {"no ty", "not really", "nah thanks", "no way", "never"}
    )
    | frozenset({"لا", "كلا", "لا شكرا", "لأ"})  # Arabic
    | frozenset({"نه", "نخیر", "خیر", "نه تشکر", "نه مرسی"})  # Dari / Farsi (and Pashto نه)
    | frozenset({"نه مننه"})  # Pashto
    | frozenset({"نەخێر", "نا", "نە", "نەخير"})  # Kurdish Sorani
    | frozenset({"jo", "jo faleminderit", "jo flm"})  # Albanian
    | frozenset({"ኣይፋል", "ኣይኮነን", "ኣይፋልን"})  # Tigrinya
    | frozenset({"không", "khong", "ko", "k0", "không cảm ơn", "khong cam on"}),  # Vietnamese
    OK: frozenset(
        {"ok", "okay", "k", "kk", "okk", "oki", "okey", "okie", "okay thanks", "ok thanks"}
        | {"alright", "all right", "aight", "fine", "im ok", "im okay", "im fine", "i am ok"}
        | {"i am fine", "im alright", "safe", "im safe", "i am safe"}
    )
    | frozenset({"حسنا", "تمام", "ماشي", "كويس", "بخير", "انا بخير", "أنا بخير"})  # Arabic
    | frozenset({"باشه", "خوب", "خوبم", "خوب هستم", "مشکلی نیست"})  # Dari / Farsi
    | frozenset({"سمه ده", "ښه یم", "ښه"})  # Pashto
    | frozenset({"باشە", "باشم", "باشه"})  # Kurdish Sorani
    | frozenset({"mirë", "mire", "në rregull", "ne rregull", "jam mirë", "jam mire"})
    | frozenset({"ሕራይ", "ደሓን", "ደሓን እየ"})  # Tigrinya
    | frozenset({"được", "duoc", "ổn", "on", "tôi ổn", "toi on", "oke"}),  # Vietnamese
    GOOD: frozenset(
        {"good", "gd", "gud", "great", "very good", "really good", "all good", "amazing"}
        | {"happy", "doing good", "im good", "i am good", "good thanks", "great thanks"}
    )
    | frozenset({"جيد", "ممتاز", "منيح", "كتير منيح"})  # Arabic
    | frozenset({"عالی", "خیلی خوب", "خوبم مرسی"})  # Dari / Farsi
    | frozenset({"ډېر ښه", "ډیر ښه"})  # Pashto
    | frozenset({"زۆر باش", "باش"})  # Kurdish Sorani
    | frozenset({"shumë mirë", "shume mire"})  # Albanian
    | frozenset({"ጽቡቕ", "ብጣዕሚ ጽቡቕ"})  # Tigrinya
    | frozenset({"tốt", "tot", "rất tốt", "rat tot", "khỏe", "khoe"}),  # Vietnamese
    NOT_GOOD: frozenset(
        {"not good", "bad", "not great", "not ok", "not okay", "not so good", "not well"}
        | {"terrible", "awful", "rubbish", "crap", "shit", "struggling", "not gd", "bad tbh"}
    )
    | frozenset({"مش كويس", "سيء", "مو زين", "تعبان"})  # Arabic
    | frozenset({"بد", "خوب نیستم", "خراب"})  # Dari / Farsi
    | frozenset({"ښه نه یم", "خراب یم"})  # Pashto
    | frozenset({"خراپ", "باش نیم"})  # Kurdish Sorani
    | frozenset({"keq", "jo mirë", "jo mire", "s'jam mirë"})  # Albanian
    | frozenset({"ሕማቕ", "ጽቡቕ ኣይኮንኩን"})  # Tigrinya
    | frozenset({"không tốt", "khong tot", "tệ", "te", "không ổn", "khong on"}),  # Vietnamese
    NOT_SURE: frozenset(
        {"not sure", "not sure yet", "unsure", "dunno", "idk", "i dont know", "dont know"}
        | {"maybe", "perhaps", "dont know yet", "idk yet", "not yet sure", "no idea"}
    )
    | frozenset({"لست متأكد", "مش متأكد", "لا أعرف", "لا اعرف", "ممكن", "ربما"})  # Arabic
    | frozenset({"مطمئن نیستم", "نمی دانم", "نمیدانم", "شاید", "نمی‌دانم"})  # Dari / Farsi
    | frozenset({"ډاډه نه یم", "نه پوهیږم", "ښايي"})  # Pashto
    | frozenset({"دڵنیا نیم", "نازانم", "لەوانەیە"})  # Kurdish Sorani
    | frozenset({"nuk jam i sigurt", "nuk jam e sigurt", "ndoshta", "s'e di", "nuk e di"})
    | frozenset({"ኣይርገጸንን", "ኣይፈልጥን", "ምናልባት"})  # Tigrinya
    | frozenset({"không chắc", "khong chac", "chưa chắc", "chua chac", "có lẽ", "co le"}),
}
# Misspelt titles: "mor detail", "councel tax". Short titles must match exactly.
CLOSE_ENOUGH = 0.84
MIN_FUZZY_LENGTH = 5
_NOT_WORD = re.compile(r"[^\w\s']+")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower case, no punctuation, emoji or tatweel, single spaces, no apostrophes."""
    text = unicodedata.normalize("NFC", text).casefold().replace("\u0640", "")
    text = _NOT_WORD.sub(" ", text).replace("'", "").replace("\u2019", "")
    return _SPACES.sub(" ", text).strip()


def typed_class(text: str) -> str | None:
    """Which answer a whole message is (yes, no, ok...), if it is one."""
    said = normalise(text)
    for answer, words in WORDS.items():
        if said in words:
            return answer
    return None


def offered(session: Session, identity: ChannelIdentity) -> list[tuple[str, str]]:
    """(title, payload) of the buttons on the last message sent to this chat, if it had any."""
    last = session.execute(
        select(Message.buttons)
        .where(Message.identity_id == identity.id, Message.direction == "out")
        .order_by(Message.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return [(str(title), str(payload)) for title, payload in (last or ())]


def button_for(text: str, buttons: list[tuple[str, str]]) -> str | None:
    """The payload of the offered button this typed message stands for, or None."""
    if not buttons or not text.strip():
        return None
    said = normalise(text)
    by_title = {normalise(title): payload for title, payload in buttons}
    if said in by_title:
        return by_title[said]
    answer = typed_class(text)
    if answer is not None:
        return _by_answer(answer, buttons)
    return _by_spelling(said, by_title)


def needs_yes_or_no(text: str, buttons: list[tuple[str, str]]) -> bool:
    """ "ok" to a question where yes deletes or stops something: ask for a clear yes or no."""
    if typed_class(text) != OK:
        return False
    for _title, raw in buttons:
        payload = payloads.parse(raw)
        if (
            payload is not None
            and payload.kind in NEEDS_REAL_YES
            and BUTTON_CLASS.get(payload.value) == YES
        ):
            return True
    return False


def is_whole_answer(text: str, buttons: list[tuple[str, str]]) -> bool:
    """The whole message is an answer word ("not sure", "idk") or a button's exact title."""
    said = normalise(text)
    return typed_class(text) is not None or said in {normalise(t) for t, _p in buttons}


def _by_answer(answer: str, buttons: list[tuple[str, str]]) -> str | None:
    for wanted in ACCEPTS[answer]:
        found = []
        for _title, raw in buttons:
            payload = payloads.parse(raw)
            if payload is None or BUTTON_CLASS.get(payload.value) != wanted:
                continue
            if wanted == YES and answer != YES and payload.kind in NEEDS_REAL_YES:
                continue
            found.append(raw)
        if len(found) == 1:
            return found[0]
    return None


def _by_spelling(said: str, by_title: dict[str, str]) -> str | None:
    if len(said) < MIN_FUZZY_LENGTH:
        return None
    scored = sorted(
        (
            (difflib.SequenceMatcher(None, said, title).ratio(), payload)
            for title, payload in by_title.items()
            if len(title) >= MIN_FUZZY_LENGTH
        ),
        reverse=True,
    )
    if not scored or scored[0][0] < CLOSE_ENOUGH:
        return None
    if len(scored) > 1 and scored[1][0] >= CLOSE_ENOUGH:
        return None  # two titles as close: ask rather than guess
    return scored[0][1]
