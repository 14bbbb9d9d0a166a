"""The terms of a page, for the topic comparison (`similarity`): lower-cased ASCII words of
three characters or more, starting with a letter, without stop words.

A term is what `TERM` finds in the lower-cased text. Counting it that way is a regex
pass per page (a third of a page's parse time); the same terms come from splitting
the ASCII bytes of the text at every character that is not a letter or a digit: each
run holds exactly one match of `TERM`, from its first letter to its end, when that is
three characters or more.
"""

from __future__ import annotations

import re
import sys
from collections import Counter

from graphs.topical_mesh.similarity import PackedTerms

TERM = re.compile(r"[a-z][a-z0-9]{2,}")
STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "are",
        "but",
        "not",
        "you",
        "all",
        "any",
        "can",
        "had",
        "her",
        "was",
        "one",
        "our",
        "out",
        "has",
        "have",
        "this",
        "that",
        "with",
        "from",
        "they",
        "will",
        "would",
        "there",
        "their",
        "what",
        "about",
        "which",
        "when",
        "make",
        "like",
        "time",
        "just",
        "him",
        "know",
        "take",
        "into",
        "your",
        "some",
        "could",
        "them",
        "see",
        "other",
        "than",
        "then",
        "now",
        "look",
        "only",
        "come",
        "its",
        "over",
        "think",
        "also",
        "back",
        "after",
        "use",
        "two",
        "how",
        "work",
        "first",
        "well",
        "way",
        "even",
        "new",
        "want",
        "because",
        "these",
        "give",
        "most",
        "very",
        "such",
        "here",
        "more",
        "must",
        "each",
        "does",
        "where",
        "been",
        "were",
        "should",
        "using",
        "used",
        "page",
        "pages",
        "link",
        "links",
        "http",
        "https",
        "www",
        "com",
        "org",
        "html",
    ]
)
TITLE_WEIGHT = 3
# every byte that is not an ASCII lower-case letter or digit becomes a space
_SEPARATORS = bytes(b if (0x61 <= b <= 0x7A or 0x30 <= b <= 0x39) else 0x20 for b in range(256))
_DIGITS = b"0123456789"
MAX_KNOWN_RUNS = 200_000  # runs remembered with their term (a few tens of MB at most)
_TERM_OF: dict[bytes, str] = {}  # run -> its term, "" for none


def page_terms(text: str, headings: str, title: str) -> PackedTerms:
    """(terms, counts) in first-seen order: the text's, the headings' (again: headings weigh
    double), then the title's words, each worth `TITLE_WEIGHT`. Terms are interned: pickled
    once per worker, not once per page, and shared in memory by every page that uses them.
    """
    counts: dict[str, int] = {}
    known = _TERM_OF
    for run, n in _runs(text + "\n" + headings).items():
        term = known.get(run)
        if term is None:
            term = _learn(run)
        if term:
            counts[term] = counts.get(term, 0) + n
    for word in TERM.findall(title.lower()):
        if word not in STOPWORDS:
            word = sys.intern(word)
            counts[word] = counts.get(word, 0) + TITLE_WEIGHT
    return tuple(counts), tuple(counts.values())


def _learn(run: bytes) -> str:
    """The term of a run ("": too short or a stop word), remembered for the next pages of
    this process: a site's pages share most of their words."""
    if len(_TERM_OF) >= MAX_KNOWN_RUNS:
        _TERM_OF.clear()
    term = ""
    word = run.lstrip(_DIGITS)  # a run starting with digits: its term starts at the letter
    if len(word) >= 3:
        term = sys.intern(word.decode("ascii"))
        if term in STOPWORDS:
            term = ""
    _TERM_OF[run] = term
    return term


def _runs(text: str) -> Counter[bytes]:
    """Each run of ASCII letters and digits of the lower-cased text, counted (a character
    outside ASCII, once lower-cased, is a separator, as it is for `TERM`)."""
    ascii_text = text.lower().encode("ascii", "replace")
    return Counter(ascii_text.translate(_SEPARATORS).split())
