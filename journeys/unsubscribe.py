"""How a reader stops the reminders, in every message: a link in the body and the RFC 8058
headers mail clients show as "Unsubscribe" (``List-Unsubscribe`` with a one-click URL and a
mailto, ``List-Unsubscribe-Post``).

Live, SendGrid's unsubscribe group (ASM) fills the body's link and adds its own one-click headers,
and its group_unsubscribe events come back through the Event Webhook. In dry-run the links are
the customer portal's (signed, expiring, opaque: no address or id in them), so an .eml opened
from the outbox unsubscribes for real through the local portal. The caller builds the links (the
portal's signing key is a setting), so this package never reads one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class UnsubscribeLinks:
    page: Callable[[str], str]  # customer id -> the page where the customer confirms (the body's link)
    one_click: Callable[[str], str]  # customer id -> the URL a mail client POSTs to (RFC 8058)


def headers(links: UnsubscribeLinks, customer_id: str, reply_to: str, message_id: str) -> dict[str, str]:
    """The two headers of RFC 2369 / RFC 8058; the mailto's subject names only the opaque message id."""
    mailto = f"mailto:{reply_to}?subject={quote('unsubscribe ' + message_id)}"
    return {
        "List-Unsubscribe": f"<{links.one_click(customer_id)}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
