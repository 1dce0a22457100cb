"""Messages that carry no request and no risk: "ok", "lol", "idk", an emoji, a rude word.

The fallback answers them lightly without counting a miss, and risk detection does not ask
its classifier about them (on one or two such words its character n-grams are guesswork);
the risk lexicon still reads every message.
"""

from __future__ import annotations

from nlu.normalise import normalise

_ACKNOWLEDGE = frozenset(
    [
        "ok",
        "okay",
        "dont",
        "know",
        "wagwan",
        "fr",
        "cba",
        "okk",
        "k",
        "kk",
        "lol",
        "lool",
        "lmao",
        "lmfao",
        "rofl",
        "haha",
        "hahaha",
        "hehe",
        "hmm",
        "hm",
        "mm",
        "ye",
        "yea",
        "yeah",
        "yep",
        "yes",
        "yup",
        "no",
        "nah",
        "nope",
        "cool",
        "fine",
        "alright",
        "right",
        "sure",
        "meh",
        "bruh",
        "wow",
        "oh",
        "ah",
        "ahh",
        "soz",
        "sorry",
        "nvm",
        "nevermind",
        "whatever",
        "idc",
        "safe",
        "bet",
        "kl",
        "thanks",
        "thank",
        "you",
        "cheers",
        "ta",
        "great",
        "nice",
        "good",
    ]
)
_RUDE = frozenset(
    [
        "ffs",
        "fs",
        "shit",
        "shite",
        "crap",
        "fuck",
        "fucking",
        "fuckin",
        "fucks",
        "fk",
        "fking",
        "wtf",
        "damn",
        "bollocks",
        "piss",
        "pissed",
        "off",
        "stupid",
        "shut",
        "up",
        "useless",
        "rubbish",
        "trash",
        "dumb",
        "idiot",
        "bloody",
        "hell",
        "sod",
        "bs",
    ]
)
_FILLER = frozenset(
    [
        "this",
        "bot",
        "is",
        "you",
        "are",
        "so",
        "such",
        "a",
        "the",
        "it",
        "that",
        "i",
        "am",
        "just",
        "what",
        "really",
    ]
)


def is_noise(text: str | None) -> bool:
    """No letters at all (emoji, punctuation), or only acknowledgements and rude words."""
    words = normalise(text or "").split()
    if not words:
        return True
    if len(words) > 6:
        return False
    known = _ACKNOWLEDGE | _RUDE
    return all(w in known or w in _FILLER for w in words) and any(w in known for w in words)
