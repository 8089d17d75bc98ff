"""Writes ``MODEL_CARD.md`` next to the weights, from the training config and manifest.

The card is generated so it can never disagree with the weights it describes: the
data, the splits, the scores and the sha256 of each file all come from the run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BENCH = "benchmarks/results/classifier.md"


def _recall_first_choice(config: dict) -> str:
    """How the recall-first thresholds were chosen, in words (from ``config['recall_first']``)."""
    parts = []
    for cue, c in (config.get("recall_first", {}).get("choice") or {}).items():
        parts.append(f"{cue}: {c['rule']}, {c['positives']} positives in {c['lines']} lines of which {c['corpus_positives']} in"
                     f" {c['corpus_lines']} corpus lines, pooled P {c['precision']} R {c['recall']}, corpus P {c['corpus_precision']}"
                     f" R {c['corpus_recall']}"
                     + (f", {c['new_domain']} scored without it ({c['new_domain_positives']} positives in {c['new_domain_lines']} lines)"
                        f" P {c['new_domain_precision']} R {c['new_domain_recall']}" if "new_domain" in c else ""))
    return (" (" + "; ".join(parts) + ")") if parts else ""


def _tweet_check(config: dict) -> list[str]:
    """The tweet check (docs/classifier-protocol.md) under each offensive-threshold rule."""
    by_rule = config.get("tweet_check") or {}
    if not by_rule:
        return []
    parts = []
    for rule, r in by_rule.items():
        t = r.get("tweet_check") or {}
        if t:
            parts.append(f"rule {rule!r}: threshold {t['threshold']}, offensive macro-F1 {t['offensive_macro_f1']} (P {t['precision']}"
                         f" R {t['recall']}), untargeted vs targeted {t.get('targeted_macro_f1', 'n/a')}; dev offensive macro-F1 {r.get('dev')}")
    if not parts:
        return []
    first = next(iter(by_rule.values()))["tweet_check"]
    return [f"- Tweet check ({first['lines']} project-labelled TweetEval validation tweets, {first['offensive']} offensive, scored on"
            f" the development split and out of fold; `docs/classifier-protocol.md`), threshold rule used:"
            f" {config.get('offensive_threshold_rule', 'dev')!r}; " + "; ".join(parts) + "."
            + (" These are the heads alone; the tweet check of the offensive decision as shipped (with the lexical model) is"
               " given above." if config.get("offensive_lexical") else "")]


def _table(metrics: dict[str, Any]) -> list[str]:
    lines = ["| measure | " + " | ".join(metrics) + " |", "| --- |" + " --- |" * len(metrics)]
    keys: list[str] = []
    for m in metrics.values():
        keys += [k for k in m if k not in keys and k != "cues"]
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(str(m.get(k, "")) for m in metrics.values()) + " |")
    return lines


def _cue_table(metrics: dict[str, Any]) -> list[str]:
    cues = metrics.get("cues", {})
    lines = ["| cue | positives | precision | recall | F1 |", "| --- | --- | --- | --- | --- |"]
    for cue, m in cues.items():
        lines.append(f"| {cue} | {m['positives']} | {m['precision']} | {m['recall']} | {m['f1']} |")
    return lines


def _service_lines(config: dict, cue_lex: dict) -> str:
    """The sentence on the service-request lines of the n-gram model's fit (designs N to P), or ''."""
    if not cue_lex.get("extra_lines"):
        return ""
    files = " and ".join(f"`corpus/unused/{name}`" for name in cue_lex.get("extra_files", ["handwritten_service_requests.jsonl"]))
    # design O re-fits the heads' cue row on them (without the scored line's fold); design N's heads never saw them
    scored = ("which the rest of the heads never read); scored by the heads with their cue row re-fitted without their fold"
              if config.get("cue_row") else "which the heads never read); scored by the heads")
    floor = f"{cue_lex['extra_floor']} (design P)." if cue_lex.get("extra_floor") else "0.8."
    return (f" Of those lines, {cue_lex['extra_lines']} are the training split of {files} (design N: requests for a person and"
            f" look-alikes, {scored} and by n-gram models fitted without their fold, they are one more group on which the threshold"
            f" must keep precision {floor}")


def _design_check_limits(check: dict) -> list[str]:
    """The Limits lines of a detector, from its counts on the X check (``train_threat.design_check``)."""

    def of(kind: str, by: str, label: str) -> str:
        return f"{check[kind][by][label]} of {check[kind]['n']}"

    return [
        f"- Threats of harm, on the X check of `docs/classifier-protocol.md` ({check['lines']} call lines in domains no training",
        f"  file is about, never trained on; `benchmarks/check_job_threats.py`): {of('harm', 'detector', 'threat')} read *threat*",
        f"  (without the detector: {of('harm', 'heads', 'threat')}); {of('harm', 'detector', 'none')} read as nothing.",
        f"  Some ordinary lines read as threats, which draw a warning in the default playbook: {of('harmless', 'detector', 'threat')}",
        f"  harmless lines with words of harm, {of('pressure', 'detector', 'threat')} lines of legitimate pressure, and corpus lines",
        "  such as \"i'll swing by your office on my way home\" and \"my husband is going to hit the roof when he sees this bill\".",
        f"  Threats to the agent's job, insults by the corpus rule, still mostly read as no abuse ({of('job', 'detector', 'none')})",
        f"  and a few ({of('job', 'detector', 'threat')}) as *threat*.",
    ]


def write_card(folder: Path, config: dict[str, Any], manifest: dict[str, Any]) -> Path:
    m = config["metrics"]
    lines = [
        "# coach classifier heads",
        "",
        "Reads one utterance of a call (speech-recognition text: lower case, no punctuation) and gives",
        "3-way sentiment, anger 0..1, abuse (none / profanity / insult / threat) and call cues",
        "(customer and agent). Generated by `coach train`; do not edit by hand.",
        "",
        "`coach train` with its defaults rewrites these files: byte for byte on the same machine (seeded; checked",
        "by training twice), and on another CPU with float weights that differ by rounding (at most about 1e-5)",
        "and every threshold and score below the same.",
        "",
        "## Model",
        "",
        f"- Encoder (frozen, not committed): {config['encoder']}.",
        "  A fine-tune was tried and not shown to be worth it (design Y of `docs/classifier-protocol.md`,",
        "  `benchmarks/check_finetune.py`): low-rank adapters on the encoder's last two layers for",
        "  `supervisor_request` gave 26 false alarms on the four hand-off and look-alike checks where the",
        "  shipped heads give 31; it had to reach 20 or fewer to pay for two more encoder layers per utterance.",
        "  Loaded with `transformers`; at run time coach runs it as an ONNX export of that model (made once per",
        "  machine by `coach models prepare`, checked against transformers when made) with onnxruntime, and these",
        "  heads with numpy (`coach/classify/heads_np.py`): a call imports no torch. Vectors agree to ~1e-6.",
        f"- Heads: one shared layer of {config['hidden']} units (GELU, dropout 0.2) on",
        f"  `[sentence vector | {config.get('lexical_features', 8)} lexical features | speaker is agent]`, then five linear heads, each reading",
        "  the shared layer and the input row itself (sentiment softmax, anger sigmoid, offensive sigmoid,",
        "  abuse-type softmax read when offensive, one sigmoid per cue)"
        + (f"; the two abuse heads also add a learned weight per word (words hashed into {config['word_buckets']} buckets,"
           f" L2 penalty {config.get('word_l2', 'n/a')} on their squared sum): a logistic regression on the words beside the sentence vector" if config.get("word_buckets") else "")
        + ". Masked losses: each example only",
        "  teaches the labels its set has. Loss weight 3 for corpus lines and TweetEval emotion, 2 for",
        "  TweetEval sentiment, 1 otherwise; a cue positive counts 4 times a negative.",
        "  The lexical features (counts of swear words, insult words, harm words, threat phrases,",
        "  second-person address, a bad word near \"you\", an insult near a third person; and whether the line",
        "  names a person one could be handed to, a way of reaching one, or \"put me through\") are inputs the",
        "  heads weigh, not rules.",
    ]
    lex = config.get("offensive_lexical")
    package = bool(lex) and lex.get("kind") == "alt-profanity-check"
    if package:
        d, t = lex["dev_macro_f1"], lex.get("tweet_check") or {}
        lines += [
            f"- alt-profanity-check's model beside the heads (design K of `docs/classifier-protocol.md`; {lex['source']}):",
            "  word TF-IDF and five calibrated linear SVMs, fitted by that package's authors on about 200k human-labelled",
            "  texts (Davidson's tweets and the Wikipedia comments of the Jigsaw toxic-comment challenge). `coach train`",
            "  converts it into `profanity_check.safetensors` and `profanity_check_vocab.json`, which a call runs with numpy",
            "  (`coach/classify/wordsvm.py`; no scikit-learn, no pickle). It reads the normalised text. The offensive",
            f"  probability is `{lex['head_weight']} * heads + {round(1 - lex['head_weight'], 3)} * alt-profanity-check`; where the heads' most",
            "  likely abuse type is *threat* it is never below the heads' own. The weight is fixed, not chosen: the development",
            "  split is mostly Davidson, which the package was fitted on. The threshold",
            f"  ({lex['threshold']}) is the best macro-F1 on the {lex['chosen_on_lines']} {lex['chosen_on']} (ties to the threshold",
            f"  nearest 0.5), then raised if needed until the development split's corpus lines keep precision >= {config.get('offensive_corpus_precision', 'n/a')}.",
            f"  Development split offensive macro-F1: its {d['other_lines']} lines not from Davidson: heads alone {d['other_head_alone']},",
            f"  alt-profanity-check alone {d['other_lexical_alone']}, combined {d['other_combined']}; its {d['davidson_lines']} Davidson lines"
            f" (which flatter the package) {d['davidson_head_alone']} -> {d['davidson_combined']}; its {d['corpus_lines']} corpus lines"
            f" {d['corpus_head_alone']} -> {d['corpus_combined']}"
            + (f"; tweet check with the combination: offensive macro-F1 {t['offensive_macro_f1']} (P {t['precision']} R {t['recall']})" if t else "")
            + (f". Converted {config['lexical_fitted_at']} by `coach train --lexical-only` on the heads of {config['trained_at']}." if config.get("lexical_fitted_at") else "."),
        ]
    elif lex:
        d, f = lex["dev_macro_f1"], lex["features"]
        lines += [
            "- Lexical offensive model (`coach/classify/lexmodel.py`, files `lexical.safetensors` and `lexical_vocab.json`):",
            f"  character {f['char_ngrams'][0]}-{f['char_ngrams'][1]}-grams (within words) and word {f['word_ngrams'][0]}-{f['word_ngrams'][1]}-grams,",
            f"  TF-IDF (sublinear tf, {f['char_features']} + {f['word_features']} most frequent n-grams), logistic regression (C {f['C']}),",
            f"  fitted with scikit-learn on the fitting split's {lex['fit_lines']} offensive-labelled lines (same loss weights as the heads,",
            "  no noisy copies) and run at call time in plain Python and numpy. The offensive probability is",
            f"  `{lex['head_weight']} * heads + {round(1 - lex['head_weight'], 3)} * lexical`; where the heads' most likely abuse type is",
            "  *threat* it is never below the heads' own (the lexical model saw almost no threats). Weight and threshold",
            f"  ({lex['threshold']}) are the best macro-F1 on the development split (ties go to weight and threshold nearest",
            f"  0.5), the threshold then raised if needed until the development split's corpus lines keep precision >= {config.get('offensive_corpus_precision', 'n/a')}. Development split",
            f"  offensive macro-F1 ({d['lines']} lines): heads alone {d['head_alone']}, lexical alone {d['lexical_alone']},",
            f"  combined {d['combined']}; its {d['davidson_lines']} Davidson lines {d['davidson_head_alone']} -> {d['davidson_combined']};",
            f"  its {d['corpus_lines']} corpus lines {d['corpus_head_alone']} -> {d['corpus_combined']}"
            + (f". Fitted {config['lexical_fitted_at']} by `coach train --lexical-only` on the heads of {config['trained_at']}." if config.get("lexical_fitted_at") else "."),
        ]
    cue_lex = config.get("cue_lexical")
    if cue_lex:
        f = cue_lex["features"]
        lines += [
            f"- An n-gram model beside the heads for `{cue_lex['cue']}` (design M of `docs/classifier-protocol.md`; files"
            f" {', '.join(f'`{name}`' for name in cue_lex['files'])}; `coach/classify/lexmodel.py`): character"
            f" {f['char_ngrams'][0]}-{f['char_ngrams'][1]}-grams within words and word {f['word_ngrams'][0]}-{f['word_ngrams'][1]}-grams,"
            f" TF-IDF, logistic regression (C {f['C']}), fitted on the fitting split's {cue_lex['fit_lines']} lines with that label",
            f"  ({cue_lex['positives']} positive; the heads' loss weights, positives counted 4 times), run with numpy at call time. The cue's",
            f"  probability is `{cue_lex['head_weight']} * heads + {round(1 - cue_lex['head_weight'], 3)} * n-grams` (fixed, not chosen); every score",
            "  its threshold was chosen on was made the same way (out-of-fold lines and the hand-off check's lines from n-gram",
            "  models fitted without them)." + _service_lines(config, cue_lex),
        ]
    row = config.get("cue_row")
    if row:
        lines += [
            f"- The `{row['cue']}` output of the heads (one row of weights of the cue layer and its bias) was re-fitted after the"
            f" heads were trained (design O of `docs/classifier-protocol.md`; `coach/classify/cue_row.py`): on the {row['fit_lines']}"
            f" lines with that label, {row['extra_lines']} of them the service-request lines above, by {row['recipe']},"
            f" {row['epochs']} epochs. No other weight of the heads changed; the out-of-fold and hand-off-check scores behind its"
            " threshold come from heads whose row was re-fitted the same way without the lines they score.",
        ]
    neg = config.get("negation_rows")
    if neg:
        lines += [
            f"- The rows of {', '.join(f'`{c}`' for c in neg['cues'])} were re-fitted the same way (design Q), each on the lines with"
            f" that label plus the {neg['extra_lines']} training-split lines of `corpus/unused/{neg['extra_file']}` (negated or refused"
            " cue phrases, \"this is my first time calling\", with contrasting positives); their thresholds are chosen on the"
            " development split as before.",
        ]
    abuse = config.get("abuse_refit")
    if abuse:
        files = f"`corpus/unused/{abuse['file']}`" + (f" and `corpus/unused/{abuse['hard_negatives']}`" if abuse.get("hard_negatives") else "")
        lines += [
            "- The heads' two abuse outputs (the offensive row and the three abuse-type rows, their biases and the word weights)"
            f" were re-fitted after the heads were trained (`coach/classify/abuse_refit.py`; designs U and V of"
            f" `docs/classifier-protocol.md`): on the {abuse['fit_lines']} offensive-labelled lines, {abuse['extra_lines']} of them the"
            f" training-split lines of {files} (threats to the agent's job, read as insults; threats of harm; legitimate pressure;"
            f" words of harm that harm no one) with their noisy copies, by {abuse['recipe']}, {abuse['epochs']} epochs. Sentiment, anger"
            " and the cues read no weight that changed. The lexical combination keeps the heads' own probability where they read"
            f" an insult at {abuse['spare_insults_above']} or more, as it does where they read a threat.",
        ]
    threat = config.get("threat_detector")
    if threat:
        oof = threat["out_of_fold_at_threshold"]
        words = threat.get("inputs") == "words+vector"
        lines += [
            "- **Threat detector** (`coach/classify/threat.py`; designs W and X of `docs/classifier-protocol.md`): a logistic"
            " regression on " + (f"the TF-IDF of the line's word 1- and 2-grams ({threat['word_ngrams']} n-grams) beside the sentence"
                                 " vector" if words else "the sentence vector alone")
            + f" (C {threat['C']:g}; {threat['weights']}), fitted after the heads on {threat['lines']} lines, {threat['threats']} of them"
            " threats of harm: the heads' fitting lines whose threat status is known, the training splits of"
            " `corpus/unused/handwritten_threats_of_harm.jsonl`, `handwritten_job_threats.jsonl` and"
            " `handwritten_harmless_harm_words.jsonl`, and every line of the job-threat checks of designs S to V"
            f" ({', '.join(f'`{c}`' for c in threat.get('scored_checks', []))}), which had all been scored. A line is *threat*"
            f" when its probability is at least {threat['threshold']} (the lowest threshold with out-of-fold precision 0.9 on the"
            f" call-style lines: precision {oof['precision']}, recall {oof['recall']}), whatever the offensive gate says; otherwise"
            " the heads' decision stands, with the abuse type chosen between *profanity* and *insult* only.",
        ]
    lines += [
        "- Guard: an empty text after normalisation is neutral, anger 0, no abuse, no cues.",
        "- Cues are masked by speaker: customer cues only on customer text, agent cues only on agent text.",
        f"- Offensive threshold {config['offensive_threshold']}" + (" (on the combined probability, see above)" if lex else "") + "; cue thresholds "
        + ", ".join(f"{k} {v}" for k, v in config["cue_thresholds"].items())
        + " (chosen for best F1 on the development split, clamped to 0.3..0.7; supervisor_request"
        " takes the lowest threshold with precision >= 0.8 on the development split pooled with"
        f" out-of-fold scores of the fitting set's corpus lines ({config.get('recall_first', {}).get('threshold_folds', 'n/a')} folds),"
        " and on the call-style corpus lines of that pool alone"
        + (f", and on the fitting set's {config['recall_first']['new_domain']} lines as scored by heads fitted without them"
           " (a kind of call the heads have not seen)" if config.get("recall_first", {}).get("new_domain") else "")
        + ", because a missed request for a supervisor costs"
        " more than a false one" + _recall_first_choice(config) + ("" if lex else "; for the offensive threshold an F1 within"
        f" {config.get('offensive_f1_tolerance', 0)} of the best counts as a tie (ties go to the threshold nearest 0.5),"
        " and it is raised, if needed, until the development"
        f" split's corpus lines keep precision >= {config.get('offensive_corpus_precision', 'n/a')} too, so a threshold that suits"
        " tweets does not call a call-style complaint abuse") + ").",
        f"- Seed {config['seed']}, {config['epochs']} epochs, AdamW; trained {config['trained_at']}.",
        *_tweet_check(config),
        "",
        "## Data",
        "",
        "Training (only the sets `/work/shared/data/README.md` lists as *may be used to train*; text",
        "normalised to ASR style, plus noisy copies with dropped and swapped words):",
        "",
    ]
    lines += [f"- `{s}`" for s in config["training_sets"]]
    lines += [
        "",
        "Label mapping: Davidson offensive/hate votes -> soft *offensive* (hate -> *insult*; every row);",
        "NLU++ banking `handoff`, Bitext `contact_human_agent`, HINT3 `CHAT_WITH_AGENT` -> *supervisor_request*",
        "(Bitext `contact_customer_service` left unlabelled); Bitext W tag -> *profanity*; TweetEval emotion",
        "anger -> *anger* 1 (joy, optimism, sadness -> 0) and anger/sadness -> negative, joy/optimism -> positive;",
        "TweetEval sentiment val -> *sentiment*; "
        + ("TweetEval val tweets with no swear, insult or harm word of the lexicon -> *not offensive* (a weak label)"
           if config.get("tweet_labels") == "weak" else
           "TweetEval val tweets -> *offensive* or not and the abuse type, from the project's own labels of every one"
           " of them (`corpus/annotations/`, OLID-style guidelines: NOT, PRF -> *profanity*, INS -> *insult*, THR -> *threat*)")
        + "; the project corpus gives every label.",
        "",
        f"Corpus files (sha256 prefix): "
        + ", ".join(f"`{k}` {v}" for k, v in config["corpus_files"].items())
        + ".",
        "",
        "Splits:",
        "",
        f"- corpus **test**: the lines whose sha256(normalised text), first 32 bits big-endian, mod 100 < {config['corpus_test_percent']}"
        " (`coach.classify.datasets.corpus_split`); never trained on, used by the tests.",
        f"- **dev**: {config['dev_percent']}% of the training examples by a hash of the text; used only to choose thresholds.",
        "- Held-out public sets (OLID, TweetEval test, airline, NLU++ hotels, HINT3 test, ...) are never read",
        f"  by training and no threshold is set on them; their scores are in `{BENCH}`. Disclosure: while",
        "  these heads were designed (2026-11-23), five variants were scored on OLID test A and NLU++ hotels;",
        "  the choice to train on every Davidson row rests partly on that comparison (OLID test A 0.695 with",
        "  a 6,000-row sample, 0.739 with all rows), so for that choice OLID test A is not a fully blind test."
        + (" The lexical offensive model (2026-11-30) and its weight and threshold were chosen on the development"
           " split only; the held-out sets were then scored once with it, the third scoring of these sets after a"
           " design change (after 2026-11-23's two)." if lex and not package else
           " On 2026-11-30 a lexical n-gram model averaged with these heads (`coach train --lexical`; head weight 0.5,"
           " threshold 0.525, both chosen on the development split only, where it raised offensive macro-F1 from"
           " 0.965 to 0.970) was scored once on the held-out sets, the third scoring of these sets after a design"
           " change; with the heads of 2026-11-23T19:08Z it lowered OLID test A from 0.728 to 0.703, so it was not"
           " shipped and `coach train` leaves it out unless asked.")
        + (" On 2026-12-01 these heads (the project's tweet labels, the person features, the new-domain floor for"
           " supervisor_request) were chosen by the protocol in `docs/classifier-protocol.md`, fixed before any held-out"
           " scoring, on the tweet check, the hand-off check (NLU++ banking scored by heads fitted without it), the"
           " development split and the corpus test split; the weights were committed, then the held-out sets were scored"
           " once, the fourth scoring after a design change, and nothing was re-tuned after it." if config.get("tweet_check") else "")
        + (" Later that day alt-profanity-check's model was added beside these heads by design K of the same file, fixed"
           " before it was run and judged on the trainable checks only; its weights were committed, then the held-out sets"
           " were scored once more, the fifth scoring after a design change." if package else "")
        + (" Then the supervisor_request n-gram model was added by design M of the same file, fixed before it was run"
           " and judged on the trainable checks only (the hand-off check above all); its weights were committed, then the"
           " held-out sets were scored once more, the sixth scoring after a design change." if config.get("cue_lexical") else "")
        + (" Then design N gave that n-gram model the service-request lines (above), fixed and judged the same way; the held-out"
           " sets were then scored once more, the seventh scoring after a design change." if (config.get("cue_lexical") or {}).get("extra_lines") else "")
        + (" Last, designs O and P re-fitted the heads' supervisor_request row and held its threshold to precision 0.9 on the"
           " service-request lines (above), fixed and judged the same way, on the look-alike check (the service-request files'"
           " test lines; O missed its bound by one false alarm, P met it); P's weights were committed before the held-out sets were"
           " scored once more, the eighth scoring after a design change." if config.get("cue_row") else ""),
        "",
        "Examples fitted (by source):",
        "",
    ]
    lines += [f"- {k}: {v}" for k, v in config["counts"].items()]
    lines += ["", "## Scores", "", "All labels (dev = development split of the training data; corpus test as written and with ASR noise):", ""]
    lines += _table(m)
    lines += ["", "Cues on the corpus test split:", ""]
    lines += _cue_table(m["corpus_test"])
    if "corpus_test_handwritten" in m:
        lines += ["", "Cues on the hand-written lines of the corpus test split (no template expansions):", ""]
        lines += _cue_table(m["corpus_test_handwritten"])
    lines += [
        "",
        f"Public held-out sets against VADER and alt-profanity-check: see `{BENCH}`.",
        "",
        "## Limits",
        "",
        "- Trained on written text (tweets, chat) and a small hand-written call corpus; expect lower scores",
        "  on real calls and on other domains, accents and recognizer errors.",
        "- English only: other languages get an answer, not a meaningful one.",
        "- Several cues rest on a few dozen corpus lines each" + ("." if threat else "; so does *threat*."),
    ]
    if "handwritten_request_shapes.jsonl" not in config.get("cue_row", {}).get("extra_files", []):
        lines += [
            "- Requests for a person said without the plain words (\"who's above you\", \"patch me in\", \"put me onto",
            "  complaints\", \"escalate this\") are often missed: about half of them on the Z check of",
            "  `docs/classifier-protocol.md` (`benchmarks/check_lookalikes.py --z-check`); design Z, which learns them,",
            "  was not shipped (more false alarms on look-alikes).",
        ]
    if threat and threat.get("inputs") == "words+vector":
        lines += _design_check_limits(threat["design_check"]) if threat.get("design_check") else []
    elif not config.get("abuse_refit"):
        lines += [
            "- Measured on the project's job-threat checks (`benchmarks/check_job_threats.py`, written 2026-12-02): threats of harm",
            "  said in call words without a swear word are mostly missed (26-39% of them read as abuse at all: \"if the refund",
            "  isn't here by friday i'll torch your van\" reads `none`); threats to the agent's job, insults by the corpus rule, mostly",
            "  read `none` and some (2-11%) read `threat` (\"i'll get you fired\"), on which the default playbook has the agent warn the customer.",
            "  Designs S to V of `docs/classifier-protocol.md` tried to mend both and did not qualify.",
        ]
    if package:
        lines += [
            "- alt-profanity-check's model knows words, not their sense: a swear word it has seen counts the same aimed at",
            "  the agent or at a router (the heads' abuse type tells them apart), words it never saw count for nothing, and it",
            "  knows no threats without a swear word.",
        ]
    elif lex:
        lines += [
            "- The lexical offensive model learned its words mostly from Davidson's tweets (2013-era US slang):",
            "  words and spellings it never saw count for nothing, and it knows no threats.",
        ]
    lines += [
        "",
        "## Files",
        "",
        "| file | bytes | sha256 |",
        "| --- | --- | --- |",
    ]
    for name, info in manifest["files"].items():
        lines.append(f"| {name} | {info['bytes']} | `{info['sha256']}` |")
    lines += ["", "`manifest.json` holds the same sha256; the loader refuses files that do not match it.", ""]
    path = Path(folder) / "MODEL_CARD.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


if __name__ == "__main__":  # regenerate the card from an existing folder
    import sys

    from coach.classify.weights import CONFIG, DEFAULT_DIR, MANIFEST

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    write_card(folder, json.loads((folder / CONFIG).read_text()), json.loads((folder / MANIFEST).read_text()))

