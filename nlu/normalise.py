"""Folds texting and common ESOL spellings to plain words before anything classifies a message.

Shared by risk detection and (from the understanding work on) the topic classifier, so both
read "wot u doin 2nite" and "what you doing tonight" the same way. Only spellings that have
one clear meaning are folded; anything ambiguous is left as typed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Arabic-script keyboards differ (Arabic, Persian, Pashto, Sorani): fold the letters that
# vary by keyboard or are often left out, so a phrase typed either way matches.
_ARABIC_FOLD = str.maketrans(
    {
        "\u064a": "\u06cc",  # yeh
        "\u0649": "\u06cc",  # alef maksura
        "\u0643": "\u06a9",  # kaf
        "\u0623": "\u0627",  # alef with hamza above
        "\u0625": "\u0627",  # alef with hamza below
        "\u0622": "\u0627",  # alef with madda
        "\u0671": "\u0627",  # alef wasla
        "\u0624": "\u0648",  # hamza on waw
        "\u0626": "\u06cc",  # hamza on yeh
        "\u0629": "\u0647",  # teh marbuta, often typed as heh
        "\u0640": None,  # tatweel
        "\u200c": None,  # zero-width non-joiner (Persian half-space)
        "\u200d": None,  # zero-width joiner
        "\u200f": None,  # right-to-left mark
    }
)
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670]")  # harakat: short vowels, shadda, sukun
# Apostrophes are dropped, not split on: "don't" and "dont" are one word either way.
_APOSTROPHES = re.compile("['\u2019\u2018`\u00b4]")
_NOT_WORD = re.compile(r"[^\w]+")
# Three or more of one letter is emphasis ("sooo", "pleeease"); two is spelling ("kill").
_STRETCHED = re.compile(r"(\D)\1{2,}")
# Letters typed with digits in a word ("2nite", "b4") are folded by the table below; a digit
# glued to letters otherwise stays (it may be Arabizi: "3ayez", "a2tol").

# One clear meaning each. Multi-word results are fine: matching works on the folded text.
TEXTING: dict[str, str] = {
    # pronouns and little words
    "u": "you",
    "ya": "you",
    "yu": "you",
    "ur": "your",
    "yr": "your",
    "r": "are",
    "ma": "my",
    "mah": "my",
    "m8": "mate",
    "ppl": "people",
    "sum1": "someone",
    "some1": "someone",
    "any1": "anyone",
    "no1": "no one",
    "noone": "no one",
    "every1": "everyone",
    "nd": "and",
    "n": "and",
    "b4": "before",
    "bc": "because",
    "bcos": "because",
    "bcoz": "because",
    "cos": "because",
    "coz": "because",
    "cuz": "because",
    "wiv": "with",
    "wit": "with",
    "w": "with",
    "abt": "about",
    "thru": "through",
    "tho": "though",
    "pleease": "please",
    "plss": "please",
    "soo": "so",
    "noo": "no",
    "yess": "yes",
    "helpp": "help",
    "pls": "please",
    "plz": "please",
    "plse": "please",
    "pliz": "please",
    "thx": "thanks",
    "ty": "thanks",
    # questions
    "wot": "what",
    "wat": "what",
    "wht": "what",
    "wut": "what",
    "y": "why",
    "hw": "how",
    "wen": "when",
    "wer": "where",
    "whr": "where",
    # time
    "2nite": "tonight",
    "2night": "tonight",
    "tonite": "tonight",
    "2nyt": "tonight",
    "2day": "today",
    "tday": "today",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "2mrw": "tomorrow",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmw": "tomorrow",
    "rn": "right now",
    "atm": "at the moment",
    "l8r": "later",
    "l8": "late",
    "nite": "night",
    "nyt": "night",
    # verbs and contractions
    "wanna": "want to",
    "wana": "want to",
    "wonna": "want to",
    "gonna": "going to",
    "gona": "going to",
    "gunna": "going to",
    "finna": "going to",
    "gotta": "got to",
    "hafta": "have to",
    "dunno": "dont know",
    "idk": "i dont know",
    "im": "i am",
    "ima": "i am going to",
    "imma": "i am going to",
    "ive": "i have",
    "cant": "cannot",
    "carnt": "cannot",
    "cnt": "cannot",
    "cn": "can",
    "cud": "could",
    "wud": "would",
    "shud": "should",
    "wont": "will not",
    "dont": "do not",
    "dnt": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "aint": "am not",
    "isnt": "is not",
    "wasnt": "was not",
    "havent": "have not",
    "hasnt": "has not",
    "hes": "he is",
    "shes": "she is",
    "theyre": "they are",
    "thats": "that is",
    "theres": "there is",
    "whats": "what is",
    "lemme": "let me",
    "gimme": "give me",
    "dno": "dont know",
    "nuffin": "nothing",
    "nuthin": "nothing",
    "nothin": "nothing",
    "nufin": "nothing",
    "sumthin": "something",
    "somethin": "something",
    "evryone": "everyone",
    "evry1": "everyone",
    "anymore": "any more",
    "nomore": "no more",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "fam": "family",
    "bro": "brother",
    "sis": "sister",
    "hme": "home",
    "hous": "house",
    "skool": "school",
    "colledge": "college",
    "collage": "college",
    "mony": "money",
    "muney": "money",
    "monie": "money",
    "foood": "food",
    "evikshun": "eviction",
    "polis": "police",
    "poliss": "police",
    "ambulans": "ambulance",
    "ambulanse": "ambulance",
    "hospitel": "hospital",
    "hostal": "hostel",
    "hostle": "hostel",
    "landlod": "landlord",
    "lanlord": "landlord",
    # risk shorthand with one meaning
    "kms": "kill myself",
    "kmsl": "kill myself",
    "unalive": "kill",
    "unaliving": "killing",
    "od": "overdose",
    "od'd": "overdosed",
    "oded": "overdosed",
    "sh": "self harm",
    "selfharm": "self harm",
    "suicid": "suicide",
    "sucide": "suicide",
    "suiside": "suicide",
    "sucidal": "suicidal",
    "suicidel": "suicidal",
}
# Dropped g: "livin" -> "living". Only for these stems, so "in", "bin", "skin" stay.
_DROPPED_G = frozenset(
    [
        "livin",
        "tryin",
        "goin",
        "cuttin",
        "killin",
        "hurtin",
        "feelin",
        "sleepin",
        "eatin",
        "leavin",
        "comin",
        "sayin",
        "gettin",
        "doin",
        "beatin",
        "followin",
        "sellin",
        "dyin",
        "cryin",
        "stayin",
        "takin",
        "makin",
        "lookin",
        "waitin",
        "thinkin",
        "talkin",
        "walkin",
        "runnin",
        "hittin",
        "punchin",
        "kickin",
        "chokin",
        "threatenin",
        "starvin",
        "freezin",
        "bleedin",
        "breathin",
        "movin",
        "payin",
        "surfin",
        "drinkin",
        "smokin",
        "usin",
        "carryin",
        "holdin",
        "dealin",
        "workin",
    ]
)


def fold_script(text: str) -> str:
    """Unicode-normalise, case-fold and fold Arabic-script keyboard variants (no spelling)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _ARABIC_MARKS.sub("", folded.translate(_ARABIC_FOLD))


@lru_cache(maxsize=4096)
def _word(token: str) -> str:
    if token in TEXTING:
        return TEXTING[token]
    if token in _DROPPED_G:
        return token + "g"
    return token


# "OD'd", "ODed", "ODing": capital OD is an overdose; lower-case "odd" is a word, so this runs
# before case is folded.
_OVERDOSE = re.compile(r"\bO\.?D(?:'?d|'?ed|'?ing|s)?\b")


def normalise(text: str) -> str:
    """Plain lower-case words separated by single spaces, texting spellings folded.

    >>> normalise("Cn u help me 2nite?? i'm livin on the street!!")
    'can you help me tonight i am living on the street'
    """
    folded = _APOSTROPHES.sub("", fold_script(_OVERDOSE.sub(" overdose ", text)))
    folded = _STRETCHED.sub(r"\1\1", folded)
    words = _NOT_WORD.sub(" ", folded).replace("_", " ").split()
    return " ".join(_word(w) for w in words).replace("can not", "cannot")
