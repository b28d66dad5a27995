"""normalise(): what it folds, what it leaves alone, and the map back to the original."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.pipeline.normalise import normalise


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("Hello World", "hello world"),
        ("ｆｕｃｋ", "fuck"),  # fullwidth
        ("ѕһіt", "shit"),  # Cyrillic look-alikes
        ("ΙDΙΟΤ", "idiot"),  # Greek capitals
        ("idiօt", "idiot"),  # Armenian o
        ("fսck", "fuck"),  # Armenian u
        ("ꓲdiot", "idiot"),  # Lisu letter I
        ("Ꮒello", "hello"),  # Cherokee
        ("you are an аѕѕ", "you are an ass"),  # all look-alikes, in English text
        ("привет, как дела", "привет, как дела"),  # Russian stays Russian
        ("Καλημέρα κόσμε", "καλημερα κοσμε"),  # Greek stays Greek (accents go)
        ("в Москве сегодня тепло", "в москве сегодня тепло"),
        ("f\u200bu\u200dck", "fuck"),  # zero-width characters
        ("sh\x00it", "shit"),  # control character
        ("f.u.c.k", "fuck"),
        ("f u c k", "fuck"),
        ("f-u-c-k", "fuck"),
        ("f_u_c_k", "fuck"),
        ("f *u* c *k", "fuck"),
        ("fuuuuuuck", "fuck"),
        ("sh1t", "shit"),
        ("$hit", "shit"),
        ("@ss", "ass"),
        ("b!tch", "bitch"),
        ("idiot!!", "idiot!!"),  # trailing marks end a sentence
        ("in 2019 we paid $100", "in 2019 we paid $100"),  # numbers are not words in disguise
        ("Scheiße", "scheisse"),
        ("enculé", "encule"),
        ("cabrón", "cabron"),
        ("kill\n\n  yourself", "kill yourself"),
        ("good book", "good book"),  # doubled letters stay
        ("U.S. economy", "u.s. economy"),  # two letters are not a spaced-out word
    ],
)
def test_folds(written: str, normalised: str) -> None:
    assert normalise(written).text == normalised


def test_spans_point_at_what_the_author_wrote() -> None:
    result = normalise("Oh f.u.c.k off")
    start = result.text.index("fuck")
    assert result.original_span(start, start + 4) == (3, 10)
    assert result.original[3:10] == "f.u.c.k"


def test_a_squashed_run_covers_the_whole_run() -> None:
    result = normalise("so fuuuuuck")
    start = result.text.index("fuck")
    assert result.original[slice(*result.original_span(start, start + 4))] == "fuuuuuck"
    assert result.squashed(start + 1)
    assert not result.squashed(start)


def test_spaced_runs_are_remembered() -> None:
    result = normalise("a f u c k there")
    assert result.text == "afuck there"
    assert result.spaced == ((0, 5),)
    assert result.spaced_run(1, 5) == (0, 5)
    assert result.spaced_run(6, 11) is None


def test_sentences_of_normal_words_are_not_merged() -> None:
    text = "I am a big fan of this plan, as is Ed."
    assert normalise(text).text == text.lower()


def test_a_folded_look_alike_points_at_itself() -> None:
    result = normalise("you idiօt")
    assert result.text == "you idiot"
    assert result.original[slice(*result.original_span(4, 9))] == "idiօt"


def test_empty_span_at_the_end() -> None:
    result = normalise("abc")
    assert result.original_span(3, 3) == (3, 3)


texts = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(list("fuck shit 0134$@!.-_* \u200b\u00adｆ ѕ ο օ ꓲ Ꮒ и ж")),
    ),
    max_size=80,
)


@given(texts)
@settings(max_examples=400, deadline=None)
def test_never_raises_and_maps_every_character(text: str) -> None:
    result = normalise(text)
    assert len(result.origin) == len(result.text) == len(result.extent)
    previous = 0
    for start, end in zip(result.origin, result.extent, strict=True):
        assert 0 <= start < end <= len(text)
        assert start >= previous  # the map keeps the order of the original
        previous = start


@given(texts, st.data())
@settings(max_examples=300, deadline=None)
def test_spans_index_the_original(text: str, data: st.DataObject) -> None:
    result = normalise(text)
    start = data.draw(st.integers(0, len(result.text)))
    end = data.draw(st.integers(start, len(result.text)))
    first, last = result.original_span(start, end)
    assert 0 <= first <= last <= len(text)
    for run_start, run_end in result.spaced:
        assert 0 <= run_start < run_end <= len(result.text)


@given(texts)
@settings(max_examples=400, deadline=None)
def test_normalising_twice_changes_nothing_more(text: str) -> None:
    once = normalise(text).text
    assert normalise(once).text == once
