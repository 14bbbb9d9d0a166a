"""A page's terms counted from ASCII runs are the terms the regex finds (issue 15, "Fast").

The reference is the plain definition: `TERM.findall` over the lower-cased text, then the
headings, then the title (three times), stop words left out, in first-seen order.
"""

from __future__ import annotations

import random
from collections import Counter

from graphs.topical_mesh.terms import STOPWORDS, TERM, page_terms


def _reference(text: str, headings: str, title: str) -> list[tuple[str, int]]:
    counted = Counter(TERM.findall(text.lower()))
    counted.update(TERM.findall(headings.lower()))
    terms = Counter({word: n for word, n in counted.items() if word not in STOPWORDS})
    for word in TERM.findall(title.lower()):
        if word not in STOPWORDS:
            terms[word] += 3
    return list(terms.items())


def _terms(text: str, headings: str, title: str) -> list[tuple[str, int]]:
    terms, counts = page_terms(text, headings, title)
    return list(zip(terms, counts, strict=True))


def test_words_with_digits_case_and_unicode_give_the_regex_terms_in_order() -> None:
    text = "Über 3d models, 12abc and abc12; İstanbul KELVIN \u212aelvin naïve ﬁle x_y-z the"
    assert _terms(text, "Heading ABC12", "The Title abc") == _reference(
        text, "Heading ABC12", "The Title abc"
    )
    assert _terms(text, "", "")[:3] == [("ber", 1), ("models", 1), ("abc", 1)]


def test_random_texts_give_the_regex_terms_in_order() -> None:
    rnd = random.Random(15)
    alphabet = "aZ09_-é İK\u212a\n\t.ßﬁ1a2b3[]#`\ud800"
    for _ in range(3000):
        text, headings, title = (
            "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40))) for _ in range(3)
        )
        assert _terms(text, headings, title) == _reference(text, headings, title)


def test_a_page_seen_twice_gives_the_same_terms() -> None:
    text = "alpha beta alpha 9gamma gamma the"
    assert _terms(text, "beta", "") == _terms(text, "beta", "") == _reference(text, "beta", "")
