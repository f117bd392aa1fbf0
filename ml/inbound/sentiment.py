"""The tone of a customer's message, from -1 (angry) to +1 (friendly), French and English.

Why a lexicon and not a model: the tone only nudges a request's priority (an angry dispute is
read before a calm one), so a transparent word list a collector can read and extend beats a
model nobody can explain, and it needs no labels. Words are matched on folded text (lower case,
no accents; ml.inbound.classifier.fold) with French plural and feminine endings dropped; a
negation within the two words before flips a word ("pas satisfait", "not happy"); capitals
shouting and exclamation runs count as negative.
The score is (positive − negative) / (positive + negative + 2), so one word moves it little.
"""

from __future__ import annotations

import re

from ml.inbound.classifier import fold

_NEGATIVE = set(
    """
    unacceptable inacceptable scandaleux scandalous furious furieux angry fache facheux decu decus decue disappointed
    disappointing deplorable terrible awful horrible honte shame ridiculous ridicule lawyer avocat tribunal court
    legal juridique mise demeure harassment harcelement threat menace complaint plainte reclamation annoyed agace
    again encore toujours still never jamais worst pire broken casse damaged abime wrong faux erreur error mistake
    incompetent incompetence lamentable inadmissible mecontent unhappy frustrated frustre urgent urgence immediately
    immediatement last dernier warning avertissement cancel annuler resilier terminate
""".split()
)
_POSITIVE = set(
    """
    thanks thank merci grateful reconnaissant appreciate apprecie happy heureux ravi pleased glad content satisfied
    satisfait great super parfait perfect excellent kind aimable sorry desole desolee apologies excuses pardon
    please svp plait understanding comprehension good bon bonne bien welcome
""".split()
)
_NEGATORS = {"not", "no", "never", "pas", "plus", "jamais", "ni", "dont", "don't", "isn't", "aren't", "wasn't"}
_WORD = re.compile(r"[a-z']+")
_SHOUTING = re.compile(r"\b[A-ZÀ-Ý]{4,}\b")
_EXCLAIM = re.compile(r"!{2,}")


def _polarity(word: str) -> int:
    """+1, -1 or 0; French plural and feminine endings dropped ("satisfaites" reads "satisfait")."""
    for form in (word, word.removesuffix("s"), word.removesuffix("es"), word.removesuffix("s").removesuffix("e")):
        if form in _POSITIVE or form in _NEGATIVE:
            return (form in _POSITIVE) - (form in _NEGATIVE)
    return 0


def sentiment(text: str | None) -> float:
    """Tone in [-1, 1] of a cleaned message; 0 for empty text."""
    if not text:
        return 0.0
    words = _WORD.findall(fold(text))
    positive = negative = 0
    for index, word in enumerate(words):
        polarity = _polarity(word)
        if polarity and any(w in _NEGATORS for w in words[max(0, index - 2) : index]):
            polarity = -polarity
        positive += polarity > 0
        negative += polarity < 0
    negative += len(_SHOUTING.findall(text)) + len(_EXCLAIM.findall(text))
    return round((positive - negative) / (positive + negative + 2), 3)
