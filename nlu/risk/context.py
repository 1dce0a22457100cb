"""Whether a risk a message mentions is clearly over: "I was hit years ago", "I used to self
harm when I was 14". Such a message still deserves the PA, but not 999 first.

Deliberately narrow: a past marker counts only when nothing in the message says the risk is
recent or still going on ("again", "tonight", "still", "now he's outside"). English only;
in other languages every risk is treated as current.
"""

from __future__ import annotations

import re

from nlu.normalise import normalise

# Time words that put an event clearly in the past.
_PAST = re.compile(
    r"\b("
    r"\d+ years? ago|years ago|a year ago|months ago|long time ago|ages ago|"
    r"last year|when i was (a kid|little|young|small|younger|a child|\d+)|"
    r"back when|back in (care|the day|\d{4})|in (19|20)\d\d|as a (kid|child)|"
    r"before i came to|in my country|in (libya|calais|the camp|the jungle)|"
    r"used to|have not done it (in|for)|not done it (in|for)|"
    r"(glad|happy) (it is|its|that is|thats) over|(its|it is) (all )?(over|behind me)|"
    r"all behind me|(i am|im) (fine|ok|okay|good|better|safe|doing well|doing really well) now|"
    r"(now|but now|and now) i (have|got|have got) (a |my |my own |our )?"
    r"(room|flat|home|house|place|tenancy)|"
    r"(been|was) (fine|ok|okay|good|alright|better) (since|after that|ever since)|"
    r"when i (first )?(came|arrived|got) (to|in|here)|when i first (moved|left)|"
    r"(the|that) (first )?(week|day|month|year) i (moved|came|arrived|left)"
    r")\b"
)
# Words that say it is happening now, recently or may happen again soon.
_RECENT = re.compile(
    r"\b("
    r"again|tonight|today|right now|rn|currently|still|keeps?|keeping|"
    r"(started|starting) (again|to|cutting|hurting|using|drinking|self|burning|taking)|"
    r"relapsed?|this (week|morning|evening|afternoon)|yesterday|last night|"
    r"(want to|going to) (die|end|kill|hurt|disappear|cut)|cannot|scared|help me|outside|"
    r"now (he|she|they|it)|"
    r"just now|at the moment|these days|lately|recently"
    r")\b"
)


def is_past(text: str) -> bool:
    """True when the message puts its risk clearly in the past and says nothing recent."""
    folded = normalise(text)
    return bool(_PAST.search(folded)) and not _RECENT.search(folded)
