"""Abuse precision on call-style complaints: the real model on every customer line of the
scripted calls and on complaints about people, promises and "nothing happens".

Doctrine (``../shared/seeds/``): swearing at the situation is *profanity*, a personal attack
is an *insult*, a threat of harm is a *threat*; a complaint that mentions someone, somebody,
nobody, a promise or "nothing happens" is *none*. A false threat makes the agent warn
the customer in the playbook (warn_threat; a second ends the call), so the scripted lines allow
no miss at all.

The extra complaints below were written for this test and are not corpus lines (the test
measures generalisation, not recall of the training set).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # loads the real encoder

ROOT = Path(__file__).resolve().parents[2]

# Every customer line of the scripted calls, with its abuse label by the doctrine above.
SCRIPTED = {
    "tests/calls/long_rant.txt": [
        ("I have been waiting for two weeks for a technician and nobody has shown up. Nobody.", "none"),
        ("I took two days off work for this. Two whole days, and you sent nobody.", "none"),
        ("Your website says the appointment is confirmed and then nothing happens. This is ridiculous.", "none"),
        ("I pay you every single month and I get nothing but excuses from your company.", "none"),
        ("I am absolutely furious. This is the worst service I have ever had in my life.", "none"),
        ("Yes. Exactly.", "none"),
    ],
    "tests/calls/manager_request.txt": [
        ("Hi. My internet has been down since Monday and nobody has fixed it.", "none"),
        ("This is the third time I have called about this. I am really tired of it.", "none"),
        ("I don't want to hear that again. I want to speak to your manager right now.", "none"),
        ("Thank you.", "none"),
    ],
    "tests/calls/polite.txt": [
        ("Hi Sam. I would like to change the date my bill is paid each month.", "none"),
        ("The fifteenth would be great, thank you.", "none"),
        ("Perfect. Thank you so much for your help, have a nice day.", "none"),
    ],
    "tests/calls/repeated_insults.txt": [
        ("My bill is wrong again and I am sick of it.", "none"),
        ("You are a useless idiot. You people are all incompetent morons.", "insult"),
        ("Shut up, you stupid idiot. You are completely worthless.", "insult"),
    ],
    "tests/calls/swearing_at_situation.txt": [
        ("This damn router keeps dropping the connection every ten minutes.", "profanity"),
        ("What the hell is wrong with this thing. It is driving me crazy.", "profanity"),
        ("Okay, thank you, that helps.", "none"),
    ],
    "tests/calls/threat.txt": [
        ("You cut off my service again.", "none"),
        ("I know where your office is. I am going to come down there and hurt you.", "threat"),
        ("I mean it. Somebody is going to get hurt.", "threat"),
    ],
    "assets/demo_call.txt": [
        ("Hi. My name is Maria Lopez, and I need this fixed today.", "none"),
        ("My internet has been dropping every single evening for three weeks now.", "none"),
        ("I work from home, and I keep getting cut off in the middle of meetings.", "none"),
        ("On top of that, you charged me twice on my last bill, and nobody has refunded it.", "none"),
        ("I have restarted the router a hundred times and nothing changes.", "none"),
        ("It is forty two Maple Avenue. I have given it every single time.", "none"),
        ("Last week someone told me it was a local outage and it would be fixed in two days.", "none"),
        ("Two days later, nothing. Nobody called me back, and nobody came out.", "none"),
        ("No, you don't seem to understand. This is the third time I have called about this.", "none"),
        ("Every time someone promises a fix, and every time nothing happens.", "none"),
        ("If this is not solved today, I am going to cancel my service and switch providers.", "none"),
        # swearing at the router: the situation, not the agent
        ("This crap internet is a joke, and I am sick of it.", "profanity"),
        ("I want to speak to your manager right now.", "none"),
        ("Are you stupid? You are not listening to me at all, you idiot.", "insult"),
        ("Fine. Then let me speak to your manager.", "none"),
        ("Fine, I can hold.", "none"),
        ("Okay. I appreciate that you came back.", "none"),
        ("Yes, the evenings are when I need it most, for my meetings.", "none"),
        ("That is what I have been saying all along.", "none"),
        ("Look, just credit the two months and send a technician.", "none"),
        ("And what if the technician does not show up again?", "none"),
        ("Okay, that sounds better. Can you email me the ticket number?", "none"),
        ("All right. Thank you, I really appreciate your help.", "none"),
    ],
    "assets/polite_call.txt": [
        ("Hello, my name is Lee Porter. I would like to update the address on my account.", "none"),
        ("It is twelve Oak Street, apartment four.", "none"),
        ("That was quick. Thank you so much for your help.", "none"),
    ],
    "assets/threat_call.txt": [
        ("You people cut my service off again, and I am done being patient.", "none"),
        ("I know where your office is and you will regret this.", "threat"),
        ("I mean it. Somebody is going to get hurt.", "threat"),
    ],
}

# Complaints about people, promises and things that did not happen: angry, not abusive.
COMPLAINTS = [
    "someone promised a fix",
    "you promised a technician and nobody came",
    "every single time somebody says it will be sorted and nothing happens",
    "somebody from your team said they would call me back and nobody did",
    "you people said the refund would be there on friday",
    "your technician never turned up and nobody told me",
    "nothing happens no matter how many times i call",
    "someone at your store told me the upgrade was free",
    "the last agent promised me a credit and it never showed up",
    "i was told somebody would come out on tuesday and nothing happened",
    "you people keep saying next week and next week never comes",
    "your technician left the cable hanging out of the wall",
    "nobody ever calls back when they say they will",
    "somebody has to take responsibility for this mess",
    "you promised me a callback within the hour that was yesterday",
    "every time i ring someone tells me something different",
    "your colleague said the outage would be over by monday",
    "i keep getting promises and nothing ever happens",
    "the engineer you sent did nothing and left",
    "nobody in your company seems to know what is going on",
    "someone needs to fix this today",
    "you said someone would email me and nothing arrived",
    "your people promised a new router two weeks ago",
    "nothing happened after the last three calls",
    "somebody at the shop sold me the wrong plan",
    "you told me the charge would be reversed and it was not",
    "i was promised a discount by the person i spoke to last time",
    "your technician said it was fixed and it broke again the same night",
    "no one has come to look at the line",
    "you guys said it would take two days and it has been two weeks",
    "whoever i spoke to last time hung up on me",
    "the manager promised to call me personally and never did",
    "someone keeps charging my card and nobody can tell me why",
    "you people always promise and nothing ever changes",
    "i have been promised a fix five times now",
    "your support team said someone would be in touch",
    "somebody told me the bill was correct and it clearly is not",
    "nothing gets done unless i call every day",
    "you sent the wrong part and nobody noticed",
    "each time someone promises it will be fixed and then nothing",
]

# Clear abuse in call style (also written for this test).
ABUSIVE = [
    ("you are a complete idiot", "insult"),
    ("your technician is a useless moron", "insult"),
    ("you people are a bunch of lying crooks", "insult"),
    ("shut up you incompetent fool", "insult"),
    ("this damn phone has been dead all week", "profanity"),
    ("what the hell is going on with my bill", "profanity"),
    ("this stupid bloody modem keeps crashing", "profanity"),
    ("this damn router is useless and i am sick of it", "profanity"),  # lines of an earlier demo call
    ("you incompetent clown you are not listening to me at all", "insult"),
    ("i know where you live", "threat"),
    ("i am going to come down there and break your face", "threat"),
    ("someone is going to get hurt if this is not fixed", "threat"),
]

# Misses allowed among the extra lines (complaints + abusive); the scripted lines allow none.
MAX_EXTRA_MISSES = 3


def _check(label: str, expected) -> bool:
    return label in expected if isinstance(expected, tuple) else label == expected


def test_scripted_lines_are_the_scripted_calls_customer_lines():
    """The table above is every customer line of the scripts (a new line must be labelled here)."""
    for rel, rows in SCRIPTED.items():
        lines = []
        for raw in (ROOT / rel).read_text(encoding="utf-8").splitlines():
            if raw.startswith("customer"):
                lines.append(raw.split(":", 1)[1].strip())
        assert lines == [t for t, _ in rows], rel


def test_scripted_call_lines_have_the_doctrine_abuse_label(classifier):
    rows = [(rel, text, want) for rel, r in SCRIPTED.items() for text, want in r]
    got = classifier.classify_many([t for _, t, _ in rows], "customer")
    wrong = [(rel, t, want, c.abuse, round(c.abuse_score, 2)) for (rel, t, want), c in zip(rows, got) if not _check(c.abuse, want)]
    assert not wrong, "\n".join(map(str, wrong))


def test_call_complaints_are_not_abuse_and_clear_abuse_is(classifier):
    rows = [(t, "none") for t in COMPLAINTS] + ABUSIVE
    got = classifier.classify_many([t for t, _ in rows], "customer")
    wrong = [(t, want, c.abuse, round(c.abuse_score, 2)) for (t, want), c in zip(rows, got) if not _check(c.abuse, want)]
    assert len(wrong) <= MAX_EXTRA_MISSES, f"{len(wrong)} misses (at most {MAX_EXTRA_MISSES}):\n" + "\n".join(map(str, wrong))
