"""Which shipped language a message is written in, from its script and letters: enough to
offer a young person the bot in their language (Arabic, Dari, Pashto, Sorani, Tigrinya,
Albanian, Vietnamese). Latin-script English gives None: no offer."""

from __future__ import annotations

# Letters only one of the Arabic-script languages uses (or uses far more than the others).
_SORANI = set("ڕڵۆێەڤ")
_PASHTO = set("ټډړږښګڼېۍځڅ")
_PERSIAN = set("پچژگیک")  # Persian yeh and keheh, shared by Dari, Pashto and Sorani
_ARABIC = set("ةيكىؤئأإ")  # Arabic yeh, kaf, teh marbuta, hamza forms
_VIETNAMESE = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
_ALBANIAN_WORDS = {"është", "për", "dhe", "nuk", "jam", "një", "më", "kam", "çfarë", "ku", "si"}


def _arabic_script(c: str) -> bool:
    o = ord(c)
    return 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0xFB50 <= o <= 0xFEFF


def detect(text: str) -> str | None:
    """The language code, or None when it is English, too short or not one of ours."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 3:
        return None
    ethiopic = sum(1 for c in letters if 0x1200 <= ord(c) <= 0x137F)
    if ethiopic * 2 > len(letters):
        return "ti"
    arabic = [c for c in letters if _arabic_script(c)]
    if len(arabic) * 2 > len(letters):
        chars = set(arabic)
        if chars & _SORANI:
            return "ckb"
        if chars & _PASHTO:
            return "ps"
        if len(chars & _PERSIAN) > len(chars & _ARABIC):
            return "fa_AF"
        return "ar"
    lowered = text.casefold()
    if sum(1 for c in lowered if c in _VIETNAMESE) >= 2:
        return "vi"
    words = set(lowered.replace("?", " ").replace(",", " ").split())
    if ("ë" in lowered or "ç" in lowered) and words & _ALBANIAN_WORDS:
        return "sq"
    return None
