"""The customer's own words out of a real e-mail body, before anything classifies or extracts from it.

Why: a reply carries the whole thread below it (our own reminder, with its amounts and due dates),
a signature (phone numbers, the company's share capital in euros) and a legal disclaimer. Left in,
they outvote the two lines the customer wrote: the classifier sees our reminder's wording and the
promise extractor reads our due date or the share capital as the promise. So the body is cut at
the first quote or forward header, the sign-off block and disclaimer lines are dropped, and HTML
is flattened to text. Anything unexpected (None, NaN from a CSV, bytes, broken HTML) gives text or
"", never an exception: one odd message must not stop the day's triage.
"""

from __future__ import annotations

import re
import unicodedata
from html import unescape
from html.parser import HTMLParser

# A reply or forward starts the quoted part: everything from this line on is someone else's text.
_QUOTE_HEADERS = [
    # "Le mar. 3 mars 2026 à 10:12, X <x@y> a écrit :" (the date's digits tell it from "On Friday we pay...")
    r"le\s(?=[^\n]*\d)[^\n]{4,160}?(?:\n[^\n]{0,80}?)?\sa\s+[ée]crit\s*:",
    r"on\s(?=[^\n]*\d)[^\n]{4,160}?(?:\n[^\n]{0,80}?)?\swrote\s*:",
    r"-{2,}\s*(?:original\s+message|message\s+d'origine|forwarded\s+message|message\s+transf[ée]r[ée])\s*-{2,}",
    r"(?:d[ée]but\s+du\s+message\s+r[ée]exp[ée]di[ée]|begin\s+forwarded\s+message)\s*:",
    r"_{10,}",  # Outlook's rule above the quoted header block
]
_QUOTE_HEADER = re.compile(r"^\s*(?:" + "|".join(_QUOTE_HEADERS) + r")", re.IGNORECASE | re.MULTILINE)
# Outlook quotes without a marker line: a "De : / From:" line followed by "Envoyé : / Sent: / À : ...".
_HEADER_FIELD = re.compile(r"^\s*\*?(?:de|from|envoy[ée]|sent|date|[àa]|to|cc|objet|subject)\s*\*?\s*:", re.IGNORECASE)
_FROM_FIELD = re.compile(r"^\s*\*?(?:de|from)\s*\*?\s*:", re.IGNORECASE)
# A sign-off line: the phrase alone, or followed by a name ("Cordialement, Jean Dupont"), never by a
# sentence ("Merci pour votre relance, nous paierons vendredi" is the message, not its end).
_SIGN_OFF = re.compile(
    r"^\s*(?i:(?:bien\s+|tr[èe]s\s+)?cordialement|bien\s+[àa]\s+(?:vous|toi)|salutations(?:\s+distingu[ée]es)?"
    r"|bonne\s+(?:journ[ée]e|soir[ée]e)|(?:best|kind|warm|many)\s+(?:regards|thanks)|regards|sincerely|cheers"
    r"|thanks|thank\s+you|merci(?:\s+beaucoup|\s+d'avance|\s+par\s+avance)?|[àa]\s+bient[ôo]t)"
    r"[\s,.!]*(?:[A-ZÀ-Ý][\w.'-]*[\s,]*){0,3}$"
)
_SIGNATURE_DELIMITER = re.compile(r"^--\s*$")  # the standard "-- " line: everything below is the signature
_SIGNATURE_MAX_LINES = 8  # a sign-off followed by more than this is the customer still talking
_DISCLAIMER = re.compile(
    r"confidenti(?:al|el)|intended\s+(?:solely\s+)?for|si\s+vous\s+(?:n'[êe]tes\s+pas|avez\s+re[çc]u)"
    r"|if\s+you\s+(?:are\s+not|have\s+received)|avant\s+d'imprimer|before\s+printing|au\s+capital\s+de"
    r"|capital\s+social|share\s+capital|\brcs\b|\bsiret\b|\bsiren\b|tva\s+intracom|vat\s+(?:no|number|reg)"
    r"|envoy[ée]\s+(?:de|depuis)\s+mon|sent\s+from\s+my|get\s+outlook\s+for",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_LOOKS_LIKE_HTML = re.compile(r"<(?:html|body|div|p|br|table|span|blockquote|font)\b", re.IGNORECASE)


class _TextOfHtml(HTMLParser):
    """Visible text of an HTML mail; quoted threads (<blockquote>, Gmail's gmail_quote) and styles dropped."""

    _BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "table"}
    _HIDDEN = {"style", "script", "head", "title", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0
        self._open: list[bool] = []  # for each open element: does it hide its content?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(value or "" for name, value in attrs if name == "class")
        hides = tag in self._HIDDEN or "gmail_quote" in classes
        if tag not in {"br", "img", "hr", "meta", "link", "input"}:
            self._open.append(hides)
            self._hidden_depth += hides
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"br", "img", "hr", "meta", "link", "input"}:
            return
        if self._open:
            self._hidden_depth -= self._open.pop()
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Text of an HTML body, with a line break per block so quote headers still start a line."""
    parser = _TextOfHtml()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # malformed HTML: fall back to dropping the tags
        return unescape(re.sub(r"<[^>]+>", " ", html))
    return "".join(parser.parts)


def _as_text(body: object) -> str:
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if not isinstance(body, str):  # None, or NaN from a CSV with an empty cell
        return ""
    text = unicodedata.normalize("NFC", body).replace("\r\n", "\n").replace("\r", "\n").replace("\u2019", "'")
    if _LOOKS_LIKE_HTML.search(text):
        text = html_to_text(text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def _outlook_header_at(lines: list[str], index: int) -> bool:
    """A From:/De : line opening a block of at least two header fields."""
    if not _FROM_FIELD.match(lines[index]):
        return False
    following = [line for line in lines[index + 1 : index + 5] if line]
    return sum(bool(_HEADER_FIELD.match(line)) for line in following) >= 2


def _split_quoted(text: str) -> tuple[str, str]:
    """(the writer's part, the quoted/forwarded part) at the first reply or forward header."""
    cut = len(text)
    if marker := _QUOTE_HEADER.search(text):
        cut = marker.start()
    lines = text.split("\n")
    offset = 0
    for index, line in enumerate(lines):
        if offset >= cut:
            break
        if _outlook_header_at(lines, index):
            cut = offset
            break
        offset += len(line) + 1
    return text[:cut], text[cut:]


def _drop_quote_lines(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not line.lstrip().startswith(">"))


def _forwarded_text(quoted: str) -> str:
    """What a forward carries, without its marker and header fields, up to any older thread inside it."""
    marker = _QUOTE_HEADER.match(quoted)
    lines = quoted[marker.end() if marker else 0 :].split("\n")
    while lines and (not lines[0] or _HEADER_FIELD.match(lines[0])):
        lines.pop(0)
    return _split_quoted("\n".join(lines))[0]


def strip_signature(text: str) -> str:
    """Text above the first sign-off line followed only by a short block (name, title, phone)."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        rest = [later for later in lines[index + 1 :] if later]
        if _SIGNATURE_DELIMITER.match(line) or (_SIGN_OFF.match(line) and len(rest) <= _SIGNATURE_MAX_LINES):
            above = "\n".join(lines[:index])
            return above if above.strip() else text
    return text


def _drop_disclaimer_lines(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not _DISCLAIMER.search(line))


def clean_body(body: object) -> str:
    """The customer's own text: no quoted thread, forward headers, signature, disclaimer or HTML.

    A message that is only a forward (a remittance advice passed on without a word) keeps the
    forwarded text, since that is all the sender said.
    """
    text = _drop_quote_lines(_as_text(body))
    own, quoted = _split_quoted(text)
    if not own.strip() and quoted:
        own = _forwarded_text(quoted)
    own = strip_signature(_drop_disclaimer_lines(own))
    return _BLANK_LINES.sub("\n\n", own).strip()
