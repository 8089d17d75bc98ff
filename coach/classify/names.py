"""The customer's name, when the call says it: "my name is dana whitfield", "hi this is dana",
agent "am i speaking with mister jones".

Speech-recognition text has no capitals, so a name is whatever follows one of these
phrases unless it is a common word ("this is ridiculous" names nobody). Deliberately
small and conservative: a missed name costs less than calling the customer "Ridiculous".
"""

from __future__ import annotations

import re

from coach.classify.text import normalize

# Words that follow "this is" / "my name is" without being a name.
_NOT_NAMES = frozenset(
    """a an the and but or so because if to of for in on at by with from about my your our their his her its
    this that these those it is was be been being am are were not no yes yeah yep nope ok okay well just really
    very so too also still again now then here there what who why how when where which me you him them us i we
    they she he ridiculous unacceptable crazy insane ludicrous absurd outrageous terrible awful horrible great
    good fine bad wrong right correct true false impossible unbelievable stupid pathetic insulting frustrating
    annoying urgent important serious about regarding calling call ringing going trying looking getting having
    the third second first last fourth fifth time number account card order bill phone line customer agent
    manager supervisor calling speaking sir madam maam mister miss missus mrs mr ms doctor dr um uh uhm er like
    all any some one two three four five six seven eight nine ten hundred thousand never ever always absolutely
    definitely actually basically literally seriously honestly exactly exactly quite such nothing something
    everything anything hell damn crap bullshit joke waste unreal wild nuts mental new old same other""".split()
)
_TITLES = {"mister": "Mr", "mr": "Mr", "missus": "Mrs", "mrs": "Mrs", "miss": "Miss", "ms": "Ms", "doctor": "Dr", "dr": "Dr"}
_TITLE = r"(?:mister|mr|missus|mrs|miss|ms|doctor|dr)"
_WORD = r"[a-z][a-z'-]+"

_CUSTOMER_PATTERNS = (
    re.compile(rf"\bmy name is (?P<name>{_WORD}(?: {_WORD})?)"),
    re.compile(rf"\bmy name's (?P<name>{_WORD}(?: {_WORD})?)"),
    re.compile(rf"^(?:(?:hi|hello|hey|yes|yeah|good morning|good afternoon|good evening|um|uh) )*(?:this is|it's|its) (?P<name>{_WORD}(?: {_WORD})?)(?: speaking| here| calling|$| from| and| i)"),
    re.compile(rf"\b(?:call me|i'm|im) (?P<title>{_TITLE}) (?P<name>{_WORD})"),
)
_AGENT_PATTERNS = (
    re.compile(rf"\b(?:am i speaking (?:with|to)|is this|are you|thank you|thanks|hello|hi|sorry) (?P<title>{_TITLE}) (?P<name>{_WORD})"),
    re.compile(rf"\bam i speaking (?:with|to) (?P<name>{_WORD}(?: {_WORD})?)$"),
)


def _clean(name: str) -> str | None:
    words = []
    for w in name.split():
        if w in _NOT_NAMES or len(w) < 2:
            break
        words.append(w)
    if not words:
        return None
    return " ".join(w[:1].upper() + w[1:] for w in words)


def find_name(text: str, speaker: str) -> str | None:
    """The customer's name in one utterance, title-cased ("Dana Whitfield", "Mr Jones"), or None."""
    norm = normalize(text)
    if not norm:
        return None
    for pattern in _CUSTOMER_PATTERNS if speaker == "customer" else _AGENT_PATTERNS:
        m = pattern.search(norm)
        if not m:
            continue
        name = _clean(m.group("name"))
        if name is None:
            continue
        title = m.groupdict().get("title")
        return f"{_TITLES[title]} {name}" if title else name
    return None
