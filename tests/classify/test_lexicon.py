"""The lexical features the heads read beside the sentence vector."""

from __future__ import annotations

import pytest

from coach.classify.lexicon import N_FEATURES, lexical_features, lexical_matrix

PERSON, TALK, THROUGH = N_FEATURES - 3, N_FEATURES - 2, N_FEATURES - 1


@pytest.mark.parametrize(
    "text, person, talk, through",
    [
        ("can i speak to a real person", 1, 1, 0),
        ("put me through to your manager", 1, 0, 1),
        ("get me someone who knows what they are doing", 1, 0, 0),
        ("i want to transfer fifty pounds", 0, 1, 0),
        ("how do i increase my overdraft limit", 0, 0, 0),
        ("what time is breakfast", 0, 0, 0),
    ],
)
def test_a_line_that_names_a_person_or_a_way_to_reach_one_says_so(text, person, talk, through):
    f = lexical_features(text)
    assert (f[PERSON], f[TALK], f[THROUGH]) == (person, talk, through)


def test_swearing_and_insults_at_someone_are_counted_apart_from_the_person_words():
    calm, insult = lexical_features("this damn router"), lexical_features("you useless idiot")
    assert calm[0] > 0 and calm[1] == 0 and calm[6] == 0  # swearing, no insult, not aimed at anyone
    assert insult[1] > 0 and insult[6] == 1  # an insult aimed at "you"
    assert lexical_matrix([]).shape == (0, N_FEATURES)
    assert lexical_matrix(["hi", "you idiot"]).shape == (2, N_FEATURES)
