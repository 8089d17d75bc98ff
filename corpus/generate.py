"""Expand slot templates into ``corpus/generated.jsonl`` (deterministic: same seed, same file).

Why: the handwritten files hold the variety of real calls but only a few dozen examples of
each cue; templates add many more surface forms of the same intents (products, problems,
durations, days, times, amounts, names) across seven kinds of business, so the classifier
learns the intent and not the one noun it happened to see. Labels are fixed per template,
never guessed from the filled text. ``corpus/stats.py`` checks that templates stay at or
below 70% of every label, so they add breadth without drowning the handwritten lines.

Run ``python3 corpus/generate.py`` (``--seed`` to vary, ``--check`` to compare with the
committed file instead of writing it).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent
OUTPUT = CORPUS_DIR / "generated.jsonl"
DEFAULT_SEED = 20261123

# --------------------------------------------------------------------------- slot values

DOMAINS: dict[str, dict[str, list[str]]] = {
    "telecom": {
        "product": ["internet", "wifi", "cable box", "phone line", "mobile data", "tv service", "router", "modem"],
        "problem": ["keeps dropping", "won't connect", "is really slow", "stopped working", "keeps rebooting",
                    "has no signal", "cuts out every night"],
        "charge": ["the late fee", "the roaming charge", "the equipment fee", "the installation fee",
                   "the overage charge", "the early termination fee"],
        "fix": ["send a technician {day}", "replace the {product}", "reset the line from your end",
                "refund {charge}", "credit me for the days without service", "upgrade me to fiber for free"],
        "competitor": ["another provider", "the cable company down the street", "a different carrier"],
        "place": ["store", "office", "call center"],
        "account": ["account", "plan", "contract", "service"],
        "id": ["account number", "phone number", "pin"],
    },
    "banking": {
        "product": ["debit card", "credit card", "bank card", "business card", "travel card"],
        "problem": ["got declined", "was charged twice", "is locked", "shows a payment i didn't make",
                    "was blocked for no reason", "stopped working"],
        "charge": ["the overdraft fee", "the annual fee", "the wire fee", "the foreign transaction fee",
                   "the late payment fee", "the monthly maintenance fee"],
        "fix": ["reverse {charge}", "send me a new {product}", "unlock the account today", "refund {charge}",
                "put the money back in my account", "raise my daily limit"],
        "competitor": ["the credit union", "another bank", "an online bank"],
        "place": ["branch", "head office", "bank"],
        "account": ["account", "accounts", "card"],
        "id": ["card number", "account number", "date of birth"],
    },
    "airline": {
        "product": ["flight", "booking", "connecting flight", "return flight", "flight home"],
        "problem": ["was cancelled", "got delayed six hours", "was changed without telling me",
                    "was moved to the next day", "was overbooked", "still isn't ticketed"],
        "charge": ["the change fee", "the bag fee", "the seat fee", "the cancellation fee"],
        "fix": ["book me on the next flight", "refund the ticket", "deliver the bag to my hotel",
                "give me a hotel voucher", "waive {charge}", "put me in the seat i paid for"],
        "competitor": ["another airline", "a different airline", "the train"],
        "place": ["airport counter", "gate", "office"],
        "account": ["loyalty account", "membership", "frequent flyer account"],
        "id": ["confirmation code", "ticket number", "frequent flyer number"],
    },
    "retail": {
        "product": ["order", "package", "blender", "laptop", "sofa", "washing machine", "phone case"],
        "problem": ["never arrived", "came broken", "is the wrong color", "was sent to the wrong address",
                    "is missing parts", "stopped working after a week"],
        "charge": ["the shipping fee", "the restocking fee", "the second charge", "the delivery fee"],
        "fix": ["send a replacement", "refund the order", "refund {charge}", "send the missing parts {day}",
                "pick it up {day}", "give me store credit"],
        "competitor": ["another store", "amazon", "the shop down the road"],
        "place": ["store", "warehouse", "office"],
        "account": ["account", "store card", "membership"],
        "id": ["order number", "email address", "receipt number"],
    },
    "utilities": {
        "product": ["power", "gas", "electricity", "heating", "water supply"],
        "problem": ["has been out since yesterday", "keeps cutting out", "went off with no warning",
                    "has been off all day", "keeps going off at night", "was shut off by mistake"],
        "charge": ["the reconnection fee", "the estimated charge", "the late fee", "the meter fee"],
        "fix": ["send someone to read the meter", "set up a payment plan", "refund {charge}",
                "send a crew out {day}", "correct the bill", "turn the power back on today"],
        "competitor": ["another supplier", "a different energy company", "the other supplier"],
        "place": ["office", "depot", "head office"],
        "account": ["account", "contract", "service"],
        "id": ["meter number", "account number", "service address"],
    },
    "insurance": {
        "product": ["claim", "car claim", "roof claim", "water damage claim", "storm claim", "theft claim"],
        "problem": ["was denied", "is still pending", "has been stuck for a month", "was closed without a call",
                    "was paid to the wrong shop", "was never assigned an adjuster"],
        "charge": ["the premium increase", "the cancellation fee", "the admin fee", "the deductible"],
        "fix": ["reopen the claim", "send an adjuster {day}", "approve the repair estimate",
                "put my premium back to last year's price", "pay the body shop directly", "refund {charge}"],
        "competitor": ["another insurer", "a different company", "my brother's insurer"],
        "place": ["office", "claims center", "branch"],
        "account": ["policy", "policies", "account"],
        "id": ["policy number", "claim number", "member id"],
    },
    "software": {
        "product": ["app", "software", "dashboard", "desktop app", "mobile app", "sync tool"],
        "problem": ["keeps crashing", "won't sync", "logged everyone out", "lost our data", "won't activate",
                    "broke after the update"],
        "charge": ["the renewal charge", "the extra seat charge", "the upgrade fee", "the annual charge"],
        "fix": ["roll back the update", "reset my password from your side", "refund {charge}",
                "extend the trial by a month", "restore yesterday's backup", "have an engineer call me {day}"],
        "competitor": ["a competitor", "another vendor", "the other tool"],
        "place": ["office", "headquarters", "support center"],
        "account": ["subscription", "license", "account"],
        "id": ["license key", "ticket number", "account email"],
    },
}

COMMON: dict[str, list[str]] = {
    "day": ["tomorrow", "today", "on monday", "on tuesday", "on wednesday", "by thursday", "by friday",
            "this weekend", "tomorrow morning", "tonight"],
    "deadline": ["tomorrow", "monday", "tuesday", "wednesday", "thursday", "friday", "the end of the week",
                 "the end of the day", "tomorrow morning", "tonight"],
    "past_day": ["yesterday", "on monday", "last week", "on friday", "two weeks ago", "last month",
                 "this morning", "on the third", "on saturday"],
    "time": ["nine am", "ten am", "noon", "two pm", "three thirty", "four pm", "five pm", "six pm",
             "eight tonight", "nine thirty"],
    "times": ["two", "three", "four", "five", "six", "seven"],
    "ordinal": ["second", "third", "fourth", "fifth", "sixth"],
    "duration": ["two days", "three days", "a week", "nine days", "two weeks", "a month", "six weeks",
                 "three months"],
    "amount": ["twenty dollars", "thirty five dollars", "forty nine ninety nine", "sixty dollars",
               "a hundred and twenty dollars", "three hundred dollars", "twelve fifty"],
    "name": ["sarah", "mike", "james", "priya", "carlos", "linda", "ahmed", "emma", "kevin", "rosa"],
    "boss": ["manager", "supervisor", "team leader", "boss", "team lead"],
    "relative": ["wife", "husband", "son", "daughter", "roommate", "mother"],
    "sir": ["sir", "ma'am", "mister jones", "miss lee"],
    "minutes": ["a minute", "two minutes", "a couple of minutes", "three minutes", "just a moment",
                "about five minutes"],
    "team": ["my supervisor", "a manager", "our escalations team", "the senior support team",
             "a specialist", "our complaints team", "the billing manager"],
    "digits": ["four seven two nine", "one one eight three", "six six one nine", "nine oh two one",
               "three three five zero", "eight eight four two", "two zero one seven", "five five one six"],
}

# --------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class Template:
    """One pattern with fixed labels; ``anger`` lists the levels it may be drawn with."""

    speaker: str
    sentiment: str
    anger: tuple[float, ...]
    abuse: str
    cues: tuple[str, ...]
    patterns: tuple[str, ...]


def t(speaker: str, sentiment: str, anger: tuple[float, ...], abuse: str, cues: str, *patterns: str) -> Template:
    return Template(speaker, sentiment, anger, abuse, tuple(cues.split()) if cues else (), patterns)


NEG, NEU, POS = "negative", "neutral", "positive"
CALM, MILD, ANNOYED, ANGRY, HOT = (0.0,), (0.1, 0.2), (0.3, 0.4, 0.5), (0.5, 0.6, 0.7), (0.8, 0.9)

# (target number of lines, templates) per group; each group is filled by cycling its templates.
GROUPS: list[tuple[int, list[Template]]] = [
    # ---------------------------------------------------------------- customer cues
    (62, [
        t("customer", NEG, ANNOYED + ANGRY, "none", "supervisor_request",
          "i want to speak to your {boss}", "i'm not dealing with you anymore get me your {boss}",
          "who's your {boss} i want them on the phone about {charge}", "i want to speak to your {boss} about my {product}",
          "can you put me through to a {boss} please", "get me a {boss} my {product} {problem} and i'm done with this",
          "is there a {boss} i can talk to about {charge}", "let me talk to someone above you about this {product}",
          "i'd like to escalate my {product} complaint to a {boss}", "transfer me to a {boss} who can fix my {product}",
          "i need to speak with your {boss} today", "just put your {boss} on the phone"),
    ]),
    (60, [
        t("customer", NEG, ANNOYED + ANGRY, "none", "not_understood",
          "no you're not listening my {product} {problem}", "that's not what i said i said my {product} {problem}",
          "you don't understand it's the {product} not the {product2}",
          "we're not talking about {charge} i'm asking about my {product}",
          "you keep telling me about {charge} but that's not my question",
          "i feel like you're not hearing me the {product} {problem}",
          "you're not understanding the {product} {problem} that's the whole problem",
          "no no you've got it wrong my {product} {problem}",
          "i didn't ask about {charge} are you even listening",
          "that's not my question i asked why my {product} {problem}"),
    ]),
    (62, [
        t("customer", NEG, ANNOYED + ANGRY, "none", "repeat_contact",
          "this is the {ordinal} time i'm calling about my {product}",
          "i called {past_day} about {charge} and it's still there",
          "i've called {times} times in {duration} about the {product}",
          "i already reported my {product} {past_day} and nobody called back",
          "i spoke to {name} {past_day} and they said the {product} would be fixed",
          "i've been calling about my {product} for {duration}",
          "every time i call about {charge} i get a different answer",
          "i called {past_day} and {past_day2} about the same {product}",
          "my {relative} called {past_day} about the {product} and nothing happened",
          "i was told {past_day} that {charge} would come off and it's still there",
          "how many times do i have to call about {charge}"),
    ]),
    (60, [
        t("customer", NEG, ANNOYED + ANGRY, "none", "churn_threat",
          "if my {product} isn't fixed by {deadline} i'm switching to {competitor}",
          "i'm cancelling my {account} {day}", "just close my {account} i'm going to {competitor}",
          "one more problem with the {product} and i'm gone", "i'm taking my business to {competitor}",
          "cancel my {account} i've had enough", "i'm not renewing my {account} after this",
          "{competitor} offered me a better deal and i'm taking it",
          "if {charge} stays on my bill i'm closing my {account}",
          "i want to cancel my {account} and go with {competitor}"),
    ]),
    (60, [
        t("customer", NEG, MILD + (0.3,), "none", "solution_proposal",
          "just {fix} and we're good", "if you {fix} i'll be happy", "can you just {fix}",
          "the easiest thing would be to {fix}", "all i want is for you to {fix}", "please {fix} that's all i'm asking"),
    ]),
    (62, [
        t("customer", POS, CALM, "none", "gratitude",
          "thank you so much for sorting out my {product}", "thanks for sorting out {charge}",
          "i really appreciate your help with the {product}", "{name} you've been great thank you",
          "thanks a lot i'm glad the {product} is sorted", "thank you for being so patient with me",
          "thank you i appreciate you taking care of {charge}", "thanks so much you've been really helpful"),
    ]),
    (58, [
        t("customer", NEU, CALM, "none", "hold_consent",
          "{yes} i can hold", "{yes} i'll hold", "{yes} go ahead", "{yes} put me on hold", "{yes} i'll wait",
          "{yes} take your time", "{yes} i'll hold while you check the {product}"),
    ]),
    # ---------------------------------------------------------------- agent cues
    (62, [
        t("agent", NEU, CALM, "none", "summary",
          "so what i'm hearing is your {product} {problem} and you first called {past_day}",
          "let me make sure i have this right you were charged {charge} and you don't think you should be",
          "just to recap your {product} {problem} and you've called {times} times",
          "so if i understand you correctly the {product} {problem} and you want {charge} taken off",
          "okay so the {product} {problem} and nobody has called you back",
          "let me repeat that back your {product} {problem} and you'd like {charge} refunded",
          "so to summarize you need the {product} working by {deadline}"),
    ]),
    (62, [
        t("agent", NEU, CALM, "none", "apology",
          "i'm so sorry about your {product}", "i apologize for {charge} that shouldn't have happened",
          "i'm really sorry you've had to call {times} times about this",
          "i'm sorry for all the trouble with your {product}", "my apologies {sir} for the wait today",
          "i'm very sorry your {product} {problem}", "i sincerely apologize for the mix up with {charge}"),
    ]),
    (60, [
        t("agent", NEU, CALM, "none", "hold_request",
          "may i put you on a brief hold while i check your {product}",
          "would you mind holding for {minutes} while i look into {charge}",
          "can i place you on hold while i check with the team",
          "is it okay if i put you on hold for {minutes}",
          "do you mind if i put you on hold while i look at your {id}",
          "let me put you on a short hold while i check the {product} is that alright",
          "can you hold for {minutes} while i speak to {team}",
          "i'll need to put you on hold for {minutes} is that okay",
          "mind if i put you on hold while i pull up {charge}",
          "could you hold the line for {minutes} while i check your {id}"),
    ]),
    (58, [
        t("agent", NEU, CALM, "none", "escalation_offer",
          "i can bring in {team} to look at {charge}", "let me transfer you to {team}",
          "would you like me to escalate your {product} issue to {team}",
          "if you prefer i can have {team} call you back", "i can connect you with {team} about the {product}",
          "i'm going to escalate the {product} to {team}",
          "would you like to speak with {team} about {charge}",
          "i can get {team} on the line now if you'd like",
          "i'll raise the {product} with {team} and they can take it from here"),
    ]),
    (50, [
        t("agent", NEU, CALM, "none", "warning",
          "i want to help with your {product} but i can't continue if the insults continue",
          "{sir} if you keep swearing at me i'll have to end this call",
          "please stop calling me names or i will disconnect",
          "{sir} threats are not acceptable and i will end the call",
          "i'm trying to fix your {product} but i won't be spoken to like that",
          "if the abusive language continues i'll have to hang up {sir}",
          "{sir} i need you to stop cursing at me so we can sort out the {product}",
          "i'm going to end this call if the threats continue",
          "please keep it respectful {sir} or i'll need to disconnect",
          "i can't help with {charge} while you're insulting me",
          "this is a final warning {sir} one more insult and i'll end the call"),
    ]),
    (62, [
        t("agent", NEU, CALM, "none", "promise",
          "i'll call you back by {time} {deadline_day}", "you'll have the credit by {deadline}",
          "i'll have someone call you {deadline_day} between {time} and {time2}",
          "{charge} will be refunded by {deadline}", "i'll email you an update before {time} {deadline_day}",
          "your {product} will be sorted by {deadline} i'll make sure of it",
          "you'll get a confirmation by {time} {deadline_day}"),
    ]),
    (58, [
        t("agent", NEU, (0.1, 0.2, 0.3), "none", "argues_back",
          "that's not our fault {sir}", "you should have read the contract before signing",
          "there's nothing i can do about {charge}", "calm down {sir}",
          "{charge} is in the contract you signed", "you should have called us {past_day}",
          "it's not our problem that your {product} {problem}", "i already told you {charge} stays",
          "that's the policy and i'm not changing it"),
    ]),
    # ---------------------------------------------------------------- abuse
    (48, [
        t("customer", NEG, ANGRY + (0.8,), "profanity", "",
          "what the hell is wrong with my {product}", "this damn {product} {problem} again",
          "the freaking {product} {problem} and i'm sick of this crap",
          "this is bullshit my {product} {problem}", "damn it {charge} is on my bill again",
          "holy crap {amount} for {charge}", "why the hell am i paying {charge}"),
    ]),
    (42, [
        t("customer", NEG, HOT, "insult", "",
          "you {insult_adj} {insult_noun} just fix my {product}", "are you stupid i told you my {product} {problem}",
          "you people are {insult_plural}", "listen you {insult_noun} i want {charge} gone",
          "only a {insult_noun} would charge me {charge}", "what kind of {insult_noun} can't fix a {product}"),
    ]),
    (42, [
        t("customer", NEG, HOT, "threat", "",
          "if my {product} isn't fixed by {deadline} i'll come down to your {place} and someone's getting hurt",
          "i know where your {place} is and i'm coming for you",
          "fix my {product} or you'll be sorry when i find you",
          "i swear i'll hurt somebody if {charge} isn't gone by {deadline}",
          "i'll be waiting outside your {place} {day}",
          "keep ignoring my {product} complaint and see what happens to you",
          "if {charge} isn't gone by {deadline} someone at your {place} is going to get hurt",
          "i'll come to your {place} and make you pay for this {product} mess",
          "you'd better watch your back if my {product} isn't sorted by {deadline}"),
    ]),
    # ---------------------------------------------------------------- no cue, no abuse
    (150, [
        t("customer", NEU, CALM, "none", "",
          "my {id} is {id_value}", "i'm calling about my {product}", "when is {charge} due",
          "the {number} ends in {digits}", "can you tell me how much {charge} is",
          "i'd like to check on my {product}", "it's under {name}'s name"),
        t("agent", NEU, CALM, "none", "",
          "can i have your {id} please", "thanks and can you confirm your {id}",
          "i can see your {product} here", "your {product} shows as active", "thank you {name}",
          "{charge} is {amount}", "is there anything else i can help with on your {account}"),
    ]),
    (110, [
        t("customer", NEG, MILD + ANNOYED, "none", "",
          "my {product} {problem}", "why is {charge} on my bill", "i've been waiting {duration} for my {product}",
          "my {product} {problem} and nobody has helped", "nobody told me about {charge}",
          "i'm really not happy about {charge}"),
    ]),
    (45, [
        t("customer", POS, CALM, "none", "",
          "the {product} is all sorted now", "oh good that's a relief", "perfect that's what i wanted",
          "that's great news about the {product}"),
        t("agent", POS, CALM, "none", "",
          "good news your {product} is back up", "great news {charge} has been removed",
          "you're all set {name}", "perfect your {product} is sorted"),
    ]),
    # ---------------------------------------------------------------- hard negatives
    (80, [
        t("customer", NEU, MILD, "none", "",
          "i'm not cancelling i just want my {product} fixed", "i'm not angry i just want to know about {charge}",
          "the {boss} at the {place} said it was fine", "hold on let me find my {id}",
          "i don't want to switch i just want {charge} explained", "hang on i'm looking for my {id}"),
        t("agent", NEU, CALM, "none", "",
          "i'll look into your {product}", "i understand", "i'll check on {charge}",
          "someone will get back to you about the {product}", "let me have a look at the {product}",
          "i understand how frustrating the {product} can be", "i'll see what i can do about {charge}"),
    ]),
]

INSULTS = {
    "insult_adj": ["useless", "incompetent", "stupid", "brainless", "pathetic", "worthless"],
    "insult_noun": ["idiot", "moron", "clown", "fool", "muppet", "imbecile"],
    "insult_plural": ["morons", "idiots", "useless", "a bunch of crooks", "clowns", "liars"],
}
NUMBERED_IDS = {"account number", "phone number", "pin", "card number", "confirmation code", "ticket number",
                "frequent flyer number", "order number", "receipt number", "meter number", "policy number",
                "claim number", "member id", "license key"}
YES = ["sure", "okay", "yeah", "yes", "alright", "no problem", "fine", "yep"]

# Noise like speech recognition makes it: fillers, a stutter, a dropped small word.
FILLERS = ["um", "uh", "uh", "um", "like"]
DROPPABLE = {"the", "a", "to", "my", "is", "for", "and", "that", "of"}
NOISE_RATE = {"customer": 0.14, "agent": 0.07}

# --------------------------------------------------------------------------- generation

SLOT = re.compile(r"\{(\w+)\}")


def fill(pattern: str, domain: dict[str, list[str]], rng: random.Random) -> str:
    """Fill every ``{slot}``; values may contain slots themselves (fixes mention charges)."""
    chosen: dict[str, str] = {}

    def value(name: str) -> str:
        if name in chosen:
            return chosen[name]
        if name == "product2":
            options = [p for p in domain["product"] if p != value("product")]
        elif name == "past_day2":
            options = [d for d in COMMON["past_day"] if d != value("past_day")]
        elif name == "time2":
            options = [x for x in COMMON["time"] if x != value("time")]
        elif name == "deadline_day":
            options = ["today", "tomorrow", "on monday", "on friday", "this evening"]
        elif name == "id_value":
            options = ["{digits}"] if value("id") in NUMBERED_IDS else [f"{{name}} at example dot com"]
            if value("id") in ("date of birth",):
                options = ["march third nineteen eighty", "july fourth nineteen seventy", "the ninth of may"]
            elif value("id") in ("service address",):
                options = ["twelve oak street", "four forty elm road", "nine hill lane apartment two"]
        elif name == "number":
            options = sorted(NUMBERED_IDS)
        elif name == "yes":
            options = YES
        else:
            options = domain.get(name) or COMMON.get(name) or INSULTS[name]
        chosen[name] = SLOT.sub(lambda m: value(m.group(1)), rng.choice(options))
        return chosen[name]

    return SLOT.sub(lambda m: value(m.group(1)), pattern)


def add_noise(text: str, rng: random.Random) -> str:
    words = text.split()
    kind = rng.choice(["filler", "stutter", "drop", "filler"])
    if kind == "drop":
        spots = [i for i, w in enumerate(words) if w in DROPPABLE]
        if spots:
            del words[rng.choice(spots)]
            return " ".join(words)
        kind = "stutter"
    at = rng.randrange(len(words))
    if kind == "stutter":
        words.insert(at, words[at])
    else:
        words.insert(at, rng.choice(FILLERS))
    return " ".join(words)


def generate(seed: int = DEFAULT_SEED, taken: set[tuple[str, str]] | None = None) -> list[dict]:
    """Rows for every group, skipping texts already in ``taken`` (speaker, text) pairs."""
    rng = random.Random(seed)
    taken = set(taken or ())
    rows: list[dict] = []
    names = sorted(DOMAINS)
    for target, templates in GROUPS:
        made, attempts = 0, 0
        while made < target and attempts < target * 60:
            attempts += 1
            template = templates[attempts % len(templates)]
            domain = DOMAINS[rng.choice(names)]
            text = fill(rng.choice(template.patterns), domain, rng)
            noisy = len(text.split()) > 3 and rng.random() < NOISE_RATE[template.speaker]
            if noisy:
                text = add_noise(text, rng)
            key = (template.speaker, text)
            if key in taken:
                continue
            taken.add(key)
            row = {
                "text": text,
                "speaker": template.speaker,
                "sentiment": template.sentiment,
                "anger": rng.choice(template.anger),
                "abuse": template.abuse,
                "cues": list(template.cues),
                "source": "template",
            }
            if noisy:
                row["noisy"] = True
            rows.append(row)
            made += 1
        if made < target:
            print(f"warning: only {made} of {target} lines for {templates[0].patterns[0]!r}", file=sys.stderr)
    return rows


def handwritten_keys(folder: Path = CORPUS_DIR) -> set[tuple[str, str]]:
    keys = set()
    for path in sorted(folder.glob("handwritten_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            keys.add((row["speaker"], row["text"]))
    return keys


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the output file differs from a fresh run")
    args = parser.parse_args(argv)
    text = render(generate(args.seed, handwritten_keys()))
    if args.check:
        same = args.output.exists() and args.output.read_text(encoding="utf-8") == text
        print("generated.jsonl is up to date" if same else "generated.jsonl is stale: run corpus/generate.py")
        return 0 if same else 1
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10))} lines to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
