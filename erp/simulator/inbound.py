"""Inbound customer e-mails in French and English, with the variation real mailboxes show:
several phrasings per category, greetings, sign-offs, reply prefixes, casing and terseness."""

from __future__ import annotations

import numpy as np
import pandas as pd

TEMPLATES = {
    ("dispute", "en"): (
        [
            "Invoice {invoice} - incorrect amount",
            "Dispute on {invoice}",
            "RE: {invoice}",
            "Problem with invoice {invoice}",
        ],
        [
            "We cannot pay invoice {invoice}: the goods arrived damaged.",
            "The price on {invoice} does not match our agreed quote. Please send a corrected invoice.",
            "We never received the delivery billed on {invoice}, so we dispute it.",
            "Invoice {invoice} looks like a duplicate of one we already paid. Please check.",
        ],
    ),
    ("dispute", "fr"): (
        ["Facture {invoice} - montant erroné", "Contestation facture {invoice}", "RE: {invoice}", "Litige {invoice}"],
        [
            "Nous ne pouvons pas régler la facture {invoice} : la marchandise est arrivée abîmée.",
            "Le prix de la facture {invoice} ne correspond pas au devis. Merci de nous envoyer un avoir.",
            "Nous n'avons jamais reçu la livraison facturée sur {invoice}, nous la contestons.",
            "La facture {invoice} semble être un doublon d'une facture déjà payée, pouvez-vous vérifier ?",
        ],
    ),
    ("promise_to_pay", "en"): (
        ["Payment of {invoice}", "RE: reminder {invoice}", "Re: Overdue invoice", "Payment schedule"],
        [
            "We will pay invoice {invoice} ({amount}) by {date}.",
            "Sorry for the delay, payment for {invoice} is scheduled for {date}.",
            "Our next payment run is on {date}; {invoice} will be included.",
            "Noted. We'll settle {amount} on {date} at the latest.",
        ],
    ),
    ("promise_to_pay", "fr"): (
        ["Règlement facture {invoice}", "RE: relance {invoice}", "Re: facture en retard", "Échéance de paiement"],
        [
            "Nous réglerons la facture {invoice} ({amount}) d'ici le {date}.",
            "Désolés pour le retard, le virement pour {invoice} est prévu le {date}.",
            "Notre prochaine campagne de paiement a lieu le {date}, la facture {invoice} en fera partie.",
            "Bien noté, le paiement de {amount} partira au plus tard le {date}.",
        ],
    ),
    ("invoice_copy", "en"): (
        ["Copy of invoice {invoice}", "Invoice {invoice} missing", "Can you resend {invoice}?"],
        [
            "Could you send us a copy of invoice {invoice}? We cannot find it in our system.",
            "We did not receive invoice {invoice}. Please resend it to this address.",
            "please resend the pdf for {invoice}",
        ],
    ),
    ("invoice_copy", "fr"): (
        ["Duplicata facture {invoice}", "Facture {invoice} non reçue", "Copie de {invoice}"],
        [
            "Pourriez-vous nous envoyer un duplicata de la facture {invoice} ?",
            "Nous n'avons pas reçu la facture {invoice}, merci de la renvoyer à cette adresse.",
            "merci de renvoyer le pdf de la facture {invoice}",
        ],
    ),
    ("payment_link", "en"): (
        ["Pay by card?", "Payment link for {invoice}", "Online payment"],
        [
            "Can we pay {invoice} by credit card? Please send a payment link.",
            "Is there a link to pay invoice {invoice} online?",
            "send me a card payment link for {amount} pls",
        ],
    ),
    ("payment_link", "fr"): (
        ["Paiement par carte ?", "Lien de paiement {invoice}", "Paiement en ligne"],
        [
            "Pouvons-nous régler {invoice} par carte bancaire ? Merci de nous envoyer un lien de paiement.",
            "Existe-t-il un lien pour payer la facture {invoice} en ligne ?",
            "envoyez-moi un lien de paiement CB pour {amount} svp",
        ],
    ),
    ("po_number", "en"): (
        ["PO number missing on {invoice}", "Invoice {invoice} rejected - no PO", "Purchase order reference"],
        [
            "Our AP system rejected invoice {invoice} because it has no PO number. Please reissue it with PO {po}.",
            "Invoice {invoice} needs our purchase order number {po} before we can process it.",
            "pls add PO {po} to {invoice}",
        ],
    ),
    ("po_number", "fr"): (
        ["Numéro de commande manquant {invoice}", "Facture {invoice} rejetée - bon de commande", "Référence commande"],
        [
            "Notre service comptable a rejeté la facture {invoice} faute de numéro de bon de commande. "
            "Merci d'indiquer {po}.",
            "La facture {invoice} doit mentionner notre bon de commande {po} pour être traitée.",
            "merci d'ajouter la réf commande {po} sur {invoice}",
        ],
    ),
    ("unsubscribe", "en"): (
        ["Unsubscribe", "Stop sending these emails", "Remove me"],
        [
            "Please remove this address from your reminder emails.",
            "Stop emailing me. Unsubscribe.",
            "I am no longer the right contact, please take me off your list.",
        ],
    ),
    ("unsubscribe", "fr"): (
        ["Désinscription", "Arrêtez les relances", "Retirez-moi de la liste"],
        [
            "Merci de retirer cette adresse de vos relances.",
            "Je ne souhaite plus recevoir ces e-mails.",
            "Je ne suis plus le bon interlocuteur, merci de me désinscrire.",
        ],
    ),
    ("remittance_advice", "en"): (
        ["Remittance advice", "Payment sent - {invoice}", "Remittance {date}"],
        [
            "Please find our remittance advice: {amount} paid on {date} for invoice {invoice}.",
            "Payment of {amount} was sent today covering {invoice}.",
            "Remittance attached. Ref {invoice}, amount {amount}.",
        ],
    ),
    ("remittance_advice", "fr"): (
        ["Avis de paiement", "Virement effectué - {invoice}", "Avis de règlement du {date}"],
        [
            "Veuillez trouver notre avis de paiement : {amount} réglés le {date} pour la facture {invoice}.",
            "Le virement de {amount} a été effectué aujourd'hui pour {invoice}.",
            "Avis de virement en pièce jointe. Réf {invoice}, montant {amount}.",
        ],
    ),
    ("other", "en"): (
        ["Question", "Change of address", "New accounting contact", "Statement request"],
        [
            "Our billing address has changed, please update your records.",
            "Could you send us a statement of account for this quarter?",
            "From next month please address invoices to our new AP contact.",
            "What are your bank details? We are setting you up as a new supplier.",
        ],
    ),
    ("other", "fr"): (
        ["Question", "Changement d'adresse", "Nouveau contact comptable", "Relevé de compte"],
        [
            "Notre adresse de facturation a changé, merci de mettre à jour vos fiches.",
            "Pourriez-vous nous envoyer un relevé de compte pour ce trimestre ?",
            "À partir du mois prochain, merci d'adresser les factures à notre nouveau contact.",
            "Pouvez-vous nous communiquer votre RIB ? Nous vous créons comme fournisseur.",
        ],
    ),
}
GREETINGS = {
    "en": ["Hello,", "Hi,", "Dear team,", "Good morning,", ""],
    "fr": ["Bonjour,", "Madame, Monsieur,", "Bonjour à tous,", ""],
}
SIGN_OFFS = {
    "en": ["Regards,", "Thanks,", "Best,", "Kind regards,", ""],
    "fr": ["Cordialement,", "Bien à vous,", "Merci,", ""],
}
RANDOM_CATEGORIES = ("invoice_copy", "payment_link", "po_number", "other")
RANDOM_RATE_PER_MONTH = 0.03
LABELLED_SHARE = 0.7


def render(rng, category: str, lang: str, fields: dict) -> tuple[str, str]:
    subjects, bodies = TEMPLATES[(category, lang)]
    subject = subjects[rng.integers(len(subjects))].format(**fields)
    body = bodies[rng.integers(len(bodies))].format(**fields)
    if rng.random() < 0.2:
        body = body.lower()
    parts = [
        GREETINGS[lang][rng.integers(len(GREETINGS[lang]))],
        body,
        SIGN_OFFS[lang][rng.integers(len(SIGN_OFFS[lang]))],
        fields["signature"],
    ]
    return subject, "\n\n".join(p for p in parts if p)


def inbound_messages(rng, triggers: pd.DataFrame, contacts: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Render one e-mail per trigger row (customer_id, invoice_id, category, received_at, amount,
    date) from the customer's primary contact."""
    if triggers.empty:
        return pd.DataFrame()
    primary = contacts[contacts.is_primary].set_index("customer_id")
    lang = customers.set_index("customer_id").language.reindex(triggers.customer_id).to_numpy()
    rows = []
    for i, t in enumerate(triggers.itertuples(index=False)):
        language = "fr" if lang[i] == "fr" else "en"
        contact = primary.loc[t.customer_id]
        fields = {
            "invoice": t.invoice_id,
            "amount": f"{t.amount:,.2f}",
            "date": t.date.strftime("%Y-%m-%d"),
            "po": f"PO-{rng.integers(10**6):06d}",
            "signature": contact.full_name,
        }
        subject, body = render(rng, t.category, language, fields)
        rows.append((contact.email, subject, body))
    out = triggers[["customer_id", "category", "received_at"]].copy().reset_index(drop=True)
    out[["from_email", "subject", "body"]] = pd.DataFrame(rows)
    out["true_category"] = out.category
    labelled = rng.random(len(out)) < LABELLED_SHARE
    out["category"] = out.category.where(labelled)
    out["customer_id"] = out.customer_id.where(rng.random(len(out)) < 0.8)
    return out


def silenced(triggers: pd.DataFrame, customers: pd.DataFrame) -> np.ndarray:
    """Which trigger rows a customer gone silent never writes: every message from its onset on
    ("used to open and answer, now silent" — it stops answering as well as opening). Applied
    after rendering, so every other draw of a world, the messages' texts included, is unchanged."""
    c = customers.set_index("customer_id")
    onset = c.change_onset.where(c.change_type.eq("goes_silent")).reindex(triggers.customer_id).to_numpy()
    return (triggers.received_at.to_numpy() >= onset) & ~pd.isna(onset)


def random_requests(rng, inv: pd.DataFrame, months: float) -> pd.DataFrame:
    """Everyday requests (copies, payment links, PO numbers, other) about random invoices."""
    n = rng.poisson(RANDOM_RATE_PER_MONTH * len(RANDOM_CATEGORIES) * months * inv.customer_id.nunique())
    if n == 0 or inv.empty:
        return pd.DataFrame()
    pick = inv.iloc[rng.integers(0, len(inv), n)].reset_index(drop=True)
    return pd.DataFrame(
        {
            "customer_id": pick.customer_id,
            "invoice_id": pick.invoice_id,
            "category": rng.choice(RANDOM_CATEGORIES, n),
            "received_at": pick.issue_date + pd.to_timedelta(rng.uniform(1, 40 * 24, n), unit="h"),
            "amount": pick.amount,
            "date": pick.due_date,
        }
    )
