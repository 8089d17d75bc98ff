"""The real classifier on clear examples of every label, its held-out corpus scores, and bad input."""

from __future__ import annotations

import pytest

from coach.classify.evaluate import evaluate_corpus
from coach.events import AGENT_CUES, CUSTOMER_CUES, Classification

pytestmark = pytest.mark.slow  # loads the real encoder (a few seconds, once per session)

# Written for these tests (not corpus lines): clear positives and clear negatives per label.
CUE_EXAMPLES = {
    "supervisor_request": (
        ["i want to talk to your supervisor", "put your manager on the phone right now", "can i speak to someone above you"],
        ["my manager told me to call you about the invoice", "i want to change my address"],
    ),
    "not_understood": (
        # the agent misunderstood or is not listening (corpus/README.md: a customer who says *they*
        # don't understand, or asks for a repeat, is not this cue)
        ["you don't seem to understand what i'm telling you", "you're not listening to a word i say"],
        ["i understand thank you", "my internet is down again"],
    ),
    "repeat_contact": (
        ["this is the third time i'm calling about this", "i already called yesterday and last week about the same thing"],
        ["i want to order a new phone", "can you tell me my balance"],
    ),
    "churn_threat": (
        ["i'm going to cancel my account and switch to another provider", "i'll take my business elsewhere"],
        ["i want to upgrade my plan", "can you cancel the duplicate charge"],
    ),
    "gratitude": (
        ["thank you so much you've been really helpful", "thanks that's great i appreciate it"],
        ["this is useless", "my bill is wrong"],
    ),
    "hold_consent": (
        ["sure i can hold", "yes that's fine i'll wait on the line"],
        ["my order never arrived", "what is the delivery date"],
    ),
}
AGENT_EXAMPLES = {
    "summary": (
        ["so just to make sure i understand your internet drops every evening and you've restarted the router"],
        ["let me check that for you"],
    ),
    "apology": (
        ["i'm really sorry about this experience", "i apologize for the trouble this has caused"],
        ["your account number please", "the payment went through"],
    ),
    "hold_request": (
        ["may i place you on a brief hold while i check", "can you hold for two minutes please"],
        ["thank you for holding", "your refund is on its way"],
    ),
    "escalation_offer": (
        ["i can transfer you to my supervisor if you'd like", "would you like me to escalate this to a manager"],
        ["let me check your bill", "is there anything else"],
    ),
    "warning": (
        ["if you keep swearing at me i will have to end this call", "please stop the insults or i will disconnect"],
        ["your card will arrive in five days", "thanks for your patience"],
    ),
    "promise": (
        ["i will call you back by five pm tomorrow", "you'll have the refund within three business days"],
        ["can you spell your last name", "let me look into your account"],
    ),
}


def test_customer_cues_fire_on_clear_positives_and_not_on_negatives(classifier):
    for cue, (positives, negatives) in CUE_EXAMPLES.items():
        for text in positives:
            assert cue in classifier.classify(text, "customer").cues, (cue, text)
        for text in negatives:
            assert cue not in classifier.classify(text, "customer").cues, (cue, text)


def test_agent_cues_fire_on_clear_positives_and_not_on_negatives(classifier):
    for cue, (positives, negatives) in AGENT_EXAMPLES.items():
        for text in positives:
            assert cue in classifier.classify(text, "agent").cues, (cue, text)
        for text in negatives:
            assert cue not in classifier.classify(text, "agent").cues, (cue, text)


# Known weakness, kept visible: a mean-pooled sentence vector reads negated phrases much
# like the phrase itself ("first time calling" sounds like a repeat call). Design Q re-fitted the
# three cues' rows on corpus/unused/handwritten_negations.jsonl, which mended the first of these.
@pytest.mark.xfail(reason="negation is weak in frozen mean-pooled sentence vectors", strict=False)
@pytest.mark.parametrize(
    "text,speaker,cue",
    [
        ("no don't put me on hold again", "customer", "hold_consent"),
        ("i don't know when that will be fixed", "agent", "promise"),
    ],
)
def test_negated_cue_phrases_do_not_fire(classifier, text, speaker, cue):
    assert cue not in classifier.classify(text, speaker).cues


# A threat to the agent's job is not a threat of harm (corpus/README.md: it is an insult); the default
# playbook has the agent warn on a threat (warn_threat) and ends the call on the next. P's heads read these two as threats; since design X the
# threat detector alone decides `threat` (docs/classifier-protocol.md).
@pytest.mark.parametrize("text", ["i'll get you fired", "i'll make sure you lose your job"])
def test_a_threat_to_the_agents_job_is_not_a_threat_of_harm(classifier, text):
    assert classifier.classify(text, "customer").abuse != "threat"


# Threats of harm said in call words, with no swear word: P's heads read these as nothing (designs S to V
# could not mend it); design X's detector reads them. The project's own phrasings, in no file.
@pytest.mark.parametrize("text", ["if the refund isn't here by friday i'll torch your van",
                                  "the next driver you send is getting his tyres slashed",
                                  "tell that engineer he'd better not show his face on my street again",
                                  "i'm going to set fire to that practice with all of you in it"])
def test_a_threat_of_harm_in_call_words_is_a_threat(classifier, text):
    assert classifier.classify(text, "customer").abuse == "threat"


# ... and the words of harm in ordinary call talk stay what they are (design U read the first as a threat).
@pytest.mark.parametrize("text", ["what did you say sorry the line cut out", "the app keeps crashing every time i open it",
                                  "can you shoot me an email with the quote", "i know where the shop is i'll drop it in tomorrow",
                                  "you're killing me with this hold music", "i'll come down to the branch tomorrow and sort it out"])
def test_harm_words_that_harm_no_one_are_not_threats(classifier, text):
    assert classifier.classify(text, "customer").abuse == "none"


# Design X's check (corpus/checks/threats_check_x.jsonl: 175 lines in domains no training file is about,
# written and labelled blind by helper sessions). Measured with the shipped weights: threats of harm read
# `threat` 49 of 59 (P's heads alone: 6); job threats read `threat` 4 of 33; pressure lines read as abuse
# 3 of 40; harmless lines read `threat` 1 of 43. The bounds sit a little below (above) those counts.
def test_the_x_check_reads_threats_of_harm_and_few_false_threats(classifier):
    import json

    from coach.paths import REPO_ROOT

    rows = [json.loads(line) for line in (REPO_ROOT / "corpus" / "checks" / "threats_check_x.jsonl").read_text().splitlines()]
    read = {kind: [classifier.classify(r["text"], "customer").abuse for r in rows if r["kind"] == kind]
            for kind in ("harm", "job", "pressure", "harmless")}
    assert len(read["harm"]) == 59 and read["harm"].count("threat") >= 46
    assert read["job"].count("threat") <= 6
    assert sum(label != "none" for label in read["pressure"]) <= 4
    assert read["harmless"].count("threat") <= 2


def test_the_model_cards_x_check_counts_are_the_shipped_weights_own(classifier):
    """The card's Limits quote the X check's counts that ``coach train`` stored; they must be what the
    shipped weights read today, and the card must say them."""
    import json

    from coach.classify.train_threat import design_check
    from coach.paths import REPO_ROOT

    folder = REPO_ROOT / "models" / "classifier"
    stored = json.loads((folder / "config.json").read_text())["threat_detector"]["design_check"]
    assert design_check(classifier) == stored
    card = (folder / "MODEL_CARD.md").read_text()
    harm = stored["harm"]
    assert f"{harm['detector']['threat']} of {harm['n']} read *threat*" in card
    assert f"without the detector: {harm['heads']['threat']} of {harm['n']}" in card


def test_complaints_and_legal_threats_are_not_abuse(classifier):
    # legitimate, if angry: corpus/README.md's label rule (not churn, not abuse)
    for text in ("i'm going to report you to your manager", "i'll be reporting this to the ombudsman",
                 "you'll be hearing from my solicitor"):
        assert classifier.classify(text, "customer").abuse == "none", text


def test_a_first_call_is_not_a_repeat_contact(classifier):
    assert "repeat_contact" not in classifier.classify("this is my first time calling", "customer").cues
    assert "repeat_contact" in classifier.classify("this is the third time i've called about this", "customer").cues


# The negation file's test split (20 lines no weights were fitted on): the three cues exactly as
# labelled on 16 of them with the shipped weights (design Q), 10 with design P's.
def test_negation_test_lines(classifier):
    from coach.classify.datasets import negation_examples

    lines = negation_examples("test")
    assert len(lines) >= 20
    cues = ("repeat_contact", "hold_consent", "promise")
    right = sum(all((c in classifier.classify(e.text, e.speaker).cues) == bool(e.cues[c]) for c in cues) for e in lines)
    assert right >= 14


# Long merged rants (a recognizer joins several sentences into one utterance): heated and
# negative, but no request for a manager and no threat. The first is the end-to-end test
# call's rant as the recognizer gives it; the others were written for this test.
LONG_RANTS = [
    "i have been waiting for two weeks for a technician and nobody has shown up nobody i took two days off work "
    "for this two whole days and you sent nobody your website says the appointment is confirmed and then nothing "
    "happens this is ridiculous i pay you every single month and i get nothing but excuses from your company i am "
    "absolutely furious this is the worst service i have ever had in my life",
    "the courier left my parcel in the rain on the doorstep the box was soaked the laptop inside won't turn on and "
    "your company says it was delivered safely so it's not your problem i paid for signed delivery and nobody asked "
    "for a signature i'm really angry about this",
    "i've been a customer with your bank for twenty years and this month you charged me three overdraft fees for one "
    "payment that was late by a day because your own app was down i think that is a disgrace and i'm fuming",
]


@pytest.mark.parametrize("text", LONG_RANTS)
def test_a_long_rant_without_a_request_is_angry_but_asks_for_no_one(classifier, text):
    c = classifier.classify(text)
    assert "supervisor_request" not in c.cues, c.to_json()
    assert c.abuse in ("none", "profanity"), c.to_json()
    assert c.sentiment == "negative" and c.anger > 0.5


def test_the_same_rant_ending_in_a_request_for_a_manager_carries_the_cue(classifier):
    c = classifier.classify(LONG_RANTS[0] + " so put your manager on the phone right now")
    assert "supervisor_request" in c.cues, c.to_json()


def test_cues_belong_to_the_speaker(classifier):
    assert set(classifier.classify("i apologize for the trouble", "customer").cues) <= set(CUSTOMER_CUES)
    assert set(classifier.classify("i want to talk to your supervisor", "agent").cues) <= set(AGENT_CUES)


@pytest.mark.parametrize(
    "text,label",
    [
        ("thank you so much this is wonderful service", "positive"),
        ("great that fixed it i'm really happy", "positive"),
        ("this is terrible nothing works and i'm fed up", "negative"),
        ("i'm very disappointed with how this was handled", "negative"),
        ("my account number is four five six seven", "neutral"),
        ("i'm calling about the bill for march", "neutral"),
    ],
)
def test_sentiment(classifier, text, label):
    c = classifier.classify(text)
    assert c.sentiment == label
    assert abs(sum(c.sentiment_scores.values()) - 1.0) < 1e-3


def test_anger_ranks_furious_above_annoyed_above_calm(classifier):
    def anger(texts):
        return [c.anger for c in classifier.classify_many(texts)]

    calm = anger(["could you tell me when my package arrives", "i'd like to update my email address"])
    annoyed = anger(["i'm a bit annoyed that this happened", "the package is late again and i am getting annoyed"])
    furious = anger(["this is unacceptable i am furious", "this is absolutely outrageous i am sick and tired of your lies fix it now"])
    assert max(calm) < 0.3 < min(annoyed)
    assert min(furious) > 0.6
    assert sum(calm) < sum(annoyed) < sum(furious)


@pytest.mark.parametrize(
    "text,label",
    [
        ("this damn router keeps dropping", "profanity"),
        ("what the hell is going on with my bill", "profanity"),
        ("you are a useless idiot", "insult"),
        ("your staff are a bunch of incompetent morons", "insult"),
        ("i know where your office is and someone is going to get hurt", "threat"),
        ("i'm going to come down there and break your face", "threat"),
        ("i want to cancel my order", "none"),
        ("this situation is frustrating but i know it's not your fault", "none"),
        ("i killed it at the gym today so i'm in a good mood", "none"),
    ],
)
def test_abuse(classifier, text, label):
    c = classifier.classify(text)
    assert c.abuse == label, (text, c.to_json())
    assert 0.0 <= c.abuse_score <= 1.0


def test_recognizer_style_text_reads_like_written_text(classifier):
    written = classifier.classify("I want to speak to your SUPERVISOR, now!!!")
    spoken = classifier.classify("i want to speak to your supervisor now")
    assert written.cues == spoken.cues == ("supervisor_request",)
    assert written.sentiment == spoken.sentiment


def test_classify_many_matches_classify(classifier):
    texts = ["thanks a lot", "you idiot", "", "put me through to a manager"]
    batch = classifier.classify_many(texts)
    for text, one in zip(texts, batch):
        single = classifier.classify(text)
        assert (one.sentiment, one.abuse, one.cues) == (single.sentiment, single.abuse, single.cues)
        assert one.anger == pytest.approx(single.anger, abs=1e-4)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "!!!???", "x" * 50_000, "word " * 20_000, "\x00\x01\x02\ufffd\udcff junk", "我要和你的经理谈谈",
     "je veux parler à votre responsable", "🙂🙂🙂"],
)
def test_bad_input_gets_a_valid_answer(classifier, text):
    c = classifier.classify(text)
    assert isinstance(c, Classification)
    assert c.sentiment in ("negative", "neutral", "positive")
    assert 0.0 <= c.anger <= 1.0
    assert c.abuse in ("none", "profanity", "insult", "threat")
    assert c.text == text


def test_empty_text_is_neutral_and_calm(classifier):
    c = classifier.classify("  ...  ")
    assert (c.sentiment, c.anger, c.abuse, c.cues) == ("neutral", 0.0, "none", ())


def test_unknown_speaker_is_refused(classifier):
    with pytest.raises(ValueError):
        classifier.classify("hello", "robot")


# Thresholds set from measurement (weights of 2026-11-23; corpus test split now 396 lines,
# 203 hand-written) with a margin below what the shipped model scores.
def test_held_out_corpus_split_scores(classifier):
    m = evaluate_corpus(classifier)
    assert m["n"] >= 300
    assert m["sentiment_macro_recall"] >= 0.80
    assert m["anger_mae"] <= 0.14
    assert m["offensive_macro_f1"] >= 0.88
    assert m["abuse_4way_macro_f1"] >= 0.82
    f1 = [c["f1"] for c in m["cues"].values()]
    assert len(f1) == 14
    assert sum(f1) / len(f1) >= 0.78
    assert min(f1) >= 0.4


def test_held_out_hand_written_lines_score(classifier):
    m = evaluate_corpus(classifier, origin="handwritten")
    assert m["n"] >= 150
    assert m["sentiment_macro_recall"] >= 0.75
    assert m["offensive_macro_f1"] >= 0.85
    assert m["abuse_4way_macro_f1"] >= 0.78


# The look-alike checks (design P of docs/classifier-protocol.md): supervisor_request on the test
# splits of corpus/unused/'s service-request files, which no weights are fitted or tuned on, and on
# corpus/checks/, which no training reads.
# Measured with the shipped weights (2026-12-01T20:27Z): 307 lines, 96 requests, P 0.882 R 0.938,
# 12 false alarms; the floors below leave a margin (design N's weights gave P 0.788, 24 false alarms).
def test_look_alike_check_scores(classifier):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "check_lookalikes.py"
    spec = importlib.util.spec_from_file_location("check_lookalikes", path)
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    pooled = check.check(Path(classifier.weights_dir), out=lambda line: None)["pooled"]
    assert pooled["lines"] >= 300 and pooled["requests"] >= 90
    assert pooled["precision"] >= 0.85
    assert pooled["recall"] >= 0.9
    # the clean check (corpus/checks/, lines written by sessions that opened no file): P 0.906 R 0.938
    # with the shipped weights, P 0.798 R 0.876 with design N's
    clean = check.check(Path(classifier.weights_dir), out=lambda line: None, sets=check.clean_lines())["pooled"]
    assert clean["lines"] >= 390 and clean["requests"] >= 100
    assert clean["precision"] >= 0.85 and clean["recall"] >= 0.9
    # service requests that name a person, said in calls: not a request for a supervisor
    for text in ("can you talk me through the setup", "who am i speaking with", "can you send someone to fix my router"):
        assert "supervisor_request" not in classifier.classify(text, "customer").cues, text
    assert "supervisor_request" in classifier.classify("can someone from billing call me back", "customer").cues
