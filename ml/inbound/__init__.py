"""Inbound triage, text side: clean a customer's e-mail, tell its language, read the promise in it.

Pure functions with no orchestrator and no network, so the classifier, the CLI over a mailbox
export and the Dagster assets all share one reading of a message:
`clean_body` -> `detect_language` / `extract_promise`.
"""

from ml.inbound.amounts import AmountMention, find_amounts
from ml.inbound.dates import DateMention, find_dates
from ml.inbound.extract import DEFAULT_PROMISE_DAYS, NO_PROMISE, Promise, extract_promise
from ml.inbound.language import LanguageGuess, detect_language
from ml.inbound.text import clean_body, html_to_text, strip_signature

__all__ = [
    "DEFAULT_PROMISE_DAYS",
    "NO_PROMISE",
    "AmountMention",
    "DateMention",
    "LanguageGuess",
    "Promise",
    "clean_body",
    "detect_language",
    "extract_promise",
    "find_amounts",
    "find_dates",
    "html_to_text",
    "strip_signature",
]
