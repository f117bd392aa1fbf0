"""The text side of inbound triage on mail written the way customers write it: promise dates and
amounts in French and English (relative dates, "fin de mois", both decimal conventions), the
promise surviving a quoted thread or a signature full of numbers, and the language of the message.

The phrasings are written by hand for these tests, not taken from the simulator's templates.
"""

from __future__ import annotations

import socket
from datetime import date, datetime
from decimal import Decimal

import pytest

from ml.inbound import clean_body, detect_language, extract_promise, find_dates
from ml.inbound import language as language_module

WEDNESDAY = date(2026, 3, 4)  # a Wednesday, so "We" read as a weekday would show up as a date

# (message as received, received day, promised date, amount, currency)
PROMISES = [
    ("Bonjour, nous allons régler la facture fin de mois, désolé pour le retard.", WEDNESDAY, date(2026, 3, 31), None,
     None),
    ("Le virement de 1 234,56 € partira fin du mois prochain.", WEDNESDAY, date(2026, 4, 30), "1234.56", "EUR"),
    ("Je vous fais un virement vendredi prochain de 850 euros", WEDNESDAY, date(2026, 3, 6), "850", "EUR"),
    ("On vous paye dans 10 jours, promis", WEDNESDAY, date(2026, 3, 14), None, None),
    ("Paiement sous huitaine.", WEDNESDAY, date(2026, 3, 12), None, None),
    ("Nous pouvons vous régler EUR 1.234,56 d'ici le 15", WEDNESDAY, date(2026, 3, 15), "1234.56", "EUR"),
    ("je passe le cheque demain a la poste", WEDNESDAY, date(2026, 3, 5), None, None),
    ("La compta a validé, paiement prévu le 15/03 pour 3 200,00€", WEDNESDAY, date(2026, 3, 15), "3200.00", "EUR"),
    ("Règlement de 480 € le 15 mars sans faute", WEDNESDAY, date(2026, 3, 15), "480", "EUR"),
    ("Pour info le réglement interviendra le 2026-03-20.", WEDNESDAY, date(2026, 3, 20), None, None),
    ("Nous avons bien reçu votre relance du 2 mars. La facture de 2 400 € sera payée le 25 mars.", WEDNESDAY,
     date(2026, 3, 25), "2400", "EUR"),
    ("Sur les 5 000 € dus, nous virerons 2 000 € la semaine prochaine et le reste fin avril.", WEDNESDAY,
     date(2026, 3, 13), "2000", "EUR"),
    ("nous payerons en deux fois : 1500€ dans deux semaines, puis le solde", WEDNESDAY, date(2026, 3, 18), "1500",
     "EUR"),
    ("Bonjour, le paiement sera effectué le 1er avril.", WEDNESDAY, date(2026, 4, 1), None, None),
    ("Pas possible avant fin mars, désolée. Le montant total (12 480,00 EUR) sera réglé en une fois.", WEDNESDAY,
     date(2026, 3, 31), "12480.00", "EUR"),
    ("Nous payerons la facture, merci de patienter encore un peu.", WEDNESDAY, None, None, None),
    ("On réglera tout fin du mois prochain, la trésorerie est tendue", date(2026, 12, 10), date(2027, 1, 31), None,
     None),
    ("Virement prévu le 8 janvier, bonnes fêtes !", date(2026, 12, 20), date(2027, 1, 8), None, None),
    ("Le chèque de 1 000 € partira après-demain", WEDNESDAY, date(2026, 3, 6), "1000", "EUR"),
    ("Nous avons payé 300 € le 02/03. Le solde de 700 € sera viré fin de mois.", WEDNESDAY, date(2026, 3, 31), "700",
     "EUR"),
    ("Hi, we will pay the balance by the end of the month.", WEDNESDAY, date(2026, 3, 31), None, None),
    ("We'll wire $2,500.00 next Friday.", WEDNESDAY, date(2026, 3, 6), "2500.00", "USD"),
    ("We will pay on the 20th.", WEDNESDAY, date(2026, 3, 20), None, None),
    ("We will process the payment tomorrow", WEDNESDAY, date(2026, 3, 5), None, None),
    ("Payment of GBP 1,250.00 will be sent in two weeks", WEDNESDAY, date(2026, 3, 18), "1250.00", "GBP"),
    ("Our AP team has scheduled the transfer for March 15th.", WEDNESDAY, date(2026, 3, 15), None, None),
    ("We can settle 1.234,56 EUR by the 15th", WEDNESDAY, date(2026, 3, 15), "1234.56", "EUR"),
    ("Apologies for the delay - cheque for £780 will be posted end of next month", WEDNESDAY, date(2026, 4, 30), "780",
     "GBP"),
    ("we will pay 2500 euros on 2026-03-27", WEDNESDAY, date(2026, 3, 27), "2500", "EUR"),
    ("Invoice INV-2026-0042 ($3,400) will be paid within 30 days.", WEDNESDAY, date(2026, 4, 3), "3400", "USD"),
    ("Payment will go out next week, approx 4 200 USD.", WEDNESDAY, date(2026, 3, 13), "4200", "USD"),
    ("We paid $500 last Monday and will pay the remaining $1,000 on Friday.", WEDNESDAY, date(2026, 3, 6), "1000",
     "USD"),
    ("Hello, as discussed on the phone we'll pay 1,980.00 EUR on 03/20.", WEDNESDAY, date(2026, 3, 20), "1980.00",
     "EUR"),
    ("Can u confirm the amount? we r going to pay tmrw", WEDNESDAY, date(2026, 3, 5), None, None),
    ("Bonjour, please note we will pay the 950 € invoice vendredi prochain. Merci", WEDNESDAY, date(2026, 3, 6), "950",
     "EUR"),
    ("We will pay the invoice as soon as our director signs it off.", WEDNESDAY, None, None, None),
    ("Désolés, la tréso ne permet pas avant la mi-avril : 6 750 € d'un coup.", WEDNESDAY, date(2026, 4, 15), "6750",
     "EUR"),
    ("AP confirms the remittance of USD 9,100.00 by EOM", WEDNESDAY, date(2026, 3, 31), "9100.00", "USD"),
    # A quoted reminder below the reply carries our own amount and due dates: none of them is the promise.
    ("Ok pour nous, paiement fin de mois.\n\nLe mer. 4 mars 2026 à 09:00, Relance <ar@example.com> a écrit :\n"
     "> Votre facture de 1 500,00 € échue le 15/02 reste impayée.\n> Merci de régler avant le 10/03.", WEDNESDAY,
     date(2026, 3, 31), None, None),
    # Signatures with phone numbers and share capital.
    ("We will pay next Friday.\n\nBest regards,\nAnna Lee\nAccounts Payable\nTel: +44 20 7946 0958\n"
     "ACME Ltd, share capital £100,000", WEDNESDAY, date(2026, 3, 6), None, None),
    ("Nous réglons 2 300 € demain.\nCordialement\nMarc Petit\n06 12 34 56 78\nSAS au capital de 50 000 €", WEDNESDAY,
     date(2026, 3, 5), "2300", "EUR"),
    ("Voici la date confirmée par notre trésorerie : le 18 mars.\n\n-----Original Message-----\n"
     "From: Relance <ar@example.com>\nSent: Tuesday, March 3, 2026 10:12 AM\nTo: Compta\n"
     "Subject: Relance facture 4 000 €\n\nPlease pay 4 000 € before 10 March.", WEDNESDAY, date(2026, 3, 18), None,
     None),
    ("Règlement de 720,00 € le 12/03.\n\nDe : Relance <ar@example.com>\nEnvoyé : mardi 3 mars 2026 10:12\n"
     "À : Compta\nObjet : Facture impayée 1 440,00 €\n\nBonjour, merci de régler 1 440,00 € sous 8 jours.", WEDNESDAY,
     date(2026, 3, 12), "720.00", "EUR"),
]  # fmt: skip


@pytest.mark.parametrize(("message", "received", "promised", "amount", "currency"), PROMISES)
def test_promise_date_and_amount_are_read_from_real_phrasings(message, received, promised, amount, currency):
    promise = extract_promise(clean_body(message), received)
    assert promise.promise_date == promised
    assert promise.amount == (Decimal(amount) if amount else None)
    assert promise.currency == currency


def test_the_table_is_at_least_thirty_phrasings_in_both_languages():
    languages = {detect_language(clean_body(message)).language for message, *_ in PROMISES}
    assert len(PROMISES) >= 30 and {"fr", "en"} <= languages


def test_the_english_word_we_is_never_read_as_wednesday():
    assert find_dates("We will pay. We promise. We'll do it.", WEDNESDAY) == []


def test_a_received_timestamp_resolves_like_its_day():
    promise = extract_promise("paiement demain", datetime(2026, 3, 4, 23, 30))
    assert promise.promise_date == date(2026, 3, 5)


def test_evidence_is_the_sentence_of_the_promise_not_the_whole_message():
    promise = extract_promise("Bonjour. Merci pour la relance. Nous paierons 600 € vendredi. Bonne journée.", WEDNESDAY)
    assert promise.evidence == "Nous paierons 600 € vendredi."


@pytest.mark.parametrize("empty", [None, "", "   ", "\n\n"])
def test_no_text_means_no_promise(empty):
    promise = extract_promise(clean_body(empty), WEDNESDAY)
    assert not promise.stated and promise.evidence is None


# --- cleaning -----------------------------------------------------------------------------


def test_reply_above_a_quoted_french_thread_keeps_only_the_reply():
    body = (
        "Bonjour,\n\nc'est noté, je fais le nécessaire.\n\n"
        "Le mar. 3 mars 2026 à 10:12, Service Recouvrement <ar@example.com> a\nécrit :\n"
        "> Bonjour,\n> Sauf erreur de notre part, la facture F-88 de 980,00 € reste impayée.\n"
    )
    assert clean_body(body) == "Bonjour,\n\nc'est noté, je fais le nécessaire."


def test_a_message_that_is_only_a_forward_keeps_what_was_forwarded():
    body = (
        "---------- Forwarded message ---------\nFrom: Bank <noreply@bank.example>\nDate: Tue, 3 Mar 2026\n"
        "Subject: Payment advice\nTo: ap@customer.example\n\nTransfer of EUR 1.234,56 executed on 03/03/2026.\n"
    )
    assert clean_body(body) == "Transfer of EUR 1.234,56 executed on 03/03/2026."


def test_signature_with_phone_number_and_legal_footer_is_dropped():
    body = (
        "Merci pour votre relance, nous paierons vendredi.\n\nBien cordialement,\nSophie Martin\n"
        "Responsable comptable\nTél. : +33 (0)4 78 12 34 56\nSARL au capital de 8 000 € - RCS Lyon 812 345 678\n"
        "Ce message et ses pièces jointes sont confidentiels."
    )
    assert clean_body(body) == "Merci pour votre relance, nous paierons vendredi."


def test_a_sentence_starting_with_thanks_is_the_message_not_a_sign_off():
    body = "Thanks for the reminder, the payment goes out on Friday.\nThanks\nBob"
    assert clean_body(body) == "Thanks for the reminder, the payment goes out on Friday."


def test_a_line_opening_with_on_is_not_mistaken_for_a_reply_header():
    body = "On Friday we will pay, as my colleague wrote: the transfer is approved."
    assert clean_body(body) == body


def test_html_body_is_flattened_and_its_quoted_thread_dropped():
    body = (
        "<html><body><div>Bonjour,<br>nous paierons le 15&nbsp;mars.</div>"
        "<div class='gmail_quote'>Le lun. 2 mars, X a écrit :<blockquote>relance 900 €</blockquote></div></body></html>"
    )
    assert clean_body(body) == "Bonjour,\nnous paierons le 15 mars."


@pytest.mark.parametrize("odd", [None, float("nan"), 42, b"Merci, paiement demain", "<p>", "<div><b>oops</div>"])
def test_odd_bodies_never_raise(odd):
    assert isinstance(clean_body(odd), str)


# --- language -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bonjour, pourriez-vous me renvoyer la facture du mois dernier ? Je ne la trouve plus.", "fr"),
        ("bjr je vous envoi le reglement la semaine prochaine dsl pour le retard", "fr"),
        ("Hi there, could you send us a copy of invoice 4411? Our system lost it.", "en"),
        ("can u send me teh invoce pls", "en"),
        ("Guten Tag, wir zahlen die Rechnung nächste Woche.", "other"),
        ("Ciao, pagheremo la fattura la prossima settimana", "other"),
        ("", "other"),
        ("12/03 - 1500", "other"),
    ],
)
def test_language_of_french_english_and_other_messages(text, expected):
    assert detect_language(text).language == expected


def test_a_message_written_in_both_languages_is_flagged_mixed():
    text = (
        "Hello, we will pay on Friday as agreed with your colleague.\n"
        "Bonjour, nous paierons vendredi comme convenu avec votre collègue."
    )
    guess = detect_language(text)
    assert guess.mixed and guess.language in {"fr", "en"}
    assert not detect_language("Nous paierons vendredi comme convenu avec votre collègue.").mixed


def test_language_model_loads_with_no_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    language_module._detector.cache_clear()
    try:
        assert detect_language("Nous réglerons la facture demain matin.").language == "fr"
    finally:
        language_module._detector.cache_clear()
