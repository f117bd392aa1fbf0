"""Hand-written customer e-mails, one (subject, body) per category and language in each set,
written for the tests without looking at the simulator's templates (erp/simulator/inbound.py) or
the seed corpus (ml/inbound/seed_messages.csv): other words, typos, greetings, signatures,
quoted replies. PARAPHRASES is what tests/test_inbound_triage.py asserts on; MORE_PARAPHRASES
is a second set benchmarks/models.py reports with it."""

PARAPHRASES = {
    ("dispute", "en"): (
        "Re: your reminder",
        "Hi Sarah,\nWe won't be paying this one. Your technician left the job half done and "
        "the unit still leaks, I've sent photos to your support desk twice.\nMark\n\n"
        "On Tue, 3 Mar 2026 at 09:12, Relance <ar@example.com> wrote:\n> Invoice overdue",
    ),
    ("dispute", "fr"): (
        "TR: relance",
        "Bonjour,\nJe conteste fermement ce montant : on nous facture 40 heures alors que "
        "l'intervention en a duré 12. Merci de revoir votre facturation avant toute relance.\n"
        "Cordialement,\nJ. Martin\nService achats",
    ),
    ("promise_to_pay", "en"): (
        "overdue balance",
        "Hello, sorry about this, it slipped through. I've put it in our next pay run, "
        "funds should land with you on the 28th.\nThanks for your patience\nAnna",
    ),
    ("promise_to_pay", "fr"): (
        "Re: facture en attente",
        "Bonjour Madame,\nNous avons eu un souci de trésorerie ce mois-ci. Le règlement "
        "sera fait sans faute d'ici la fin du mois prochain.\nBien à vous",
    ),
    ("invoice_copy", "en"): (
        "missing invoice?",
        "hiya, i think your email went to spam or got deleted - can you fire the "
        "invoice over to me again? cant pay what i havent got lol\ncheers, Tom",
    ),
    ("invoice_copy", "fr"): (
        "document introuvable",
        "Bonjour,\nImpossible de remettre la main sur votre facture de février dans nos "
        "archives. Auriez-vous l'amabilité de nous en faire parvenir un exemplaire ?\nMerci",
    ),
    ("payment_link", "en"): (
        "paying",
        "Our bank transfer limit is maxed out this week. Could we just settle it with "
        "a corporate Amex through some online checkout? Send over whatever URL we need.",
    ),
    ("payment_link", "fr"): (
        "règlement CB",
        "Bonjour, est-ce que je peux payer directement par carte sur internet ? Si vous "
        "avez une adresse de paiement sécurisé je la prends, ce sera plus simple.",
    ),
    ("po_number", "en"): (
        "invoice on hold",
        "Hi there,\nYour invoice is stuck in our approval workflow: procurement needs the "
        "purchase order ref (ours is 88-2041) printed on it. Could you re-issue it with that?",
    ),
    ("po_number", "fr"): (
        "facture bloquée",
        "Bonjour,\nNotre service fournisseurs ne peut pas valider votre facture, il manque "
        "la référence de notre bon de commande (BC 2026-118). Pouvez-vous la refaire ?",
    ),
    ("unsubscribe", "en"): (
        "please stop",
        "I keep getting these automated messages. Kindly take me off whatever list this "
        "is, I don't handle accounts here any more. Contact finance@ instead.",
    ),
    ("unsubscribe", "fr"): (
        "messages automatiques",
        "Bonjour, je reçois vos mails de rappel alors que je ne m'occupe plus de la "
        "comptabilité. Merci de supprimer mon adresse de vos envois.",
    ),
    ("remittance_advice", "en"): (
        "payment made",
        "Good afternoon,\nJust to let you know we released the funds this morning "
        "via BACS for the January invoices, our remittance is attached.\nRegards",
    ),
    ("remittance_advice", "fr"): (
        "paiement effectué",
        "Bonjour,\nPour information, nous avons procédé au virement ce jour pour "
        "vos deux factures de janvier. Vous trouverez le justificatif en PJ.",
    ),
    ("other", "en"): (
        "hello",
        "Hi, we're organising a supplier day in May and would love your team to come along. "
        "Let me know who might attend!",
    ),
    ("other", "fr"): (
        "changement de contact",
        "Bonjour, à partir de lundi c'est Julie Petit qui reprend le suivi de votre compte chez "
        "nous. Pouvez-vous noter ses coordonnées ?",
    ),
}

MORE_PARAPHRASES = {
    ("dispute", "en"): (
        "wrong",
        "This invoice charges us for 3 licences, we only ever had 2. Not paying until corrected.",
    ),
    ("dispute", "fr"): (
        "erreur",
        "Bonjour, la remise de 10 % négociée n'apparaît pas sur la facture, on ne la paiera pas en l'état.",
    ),
    ("promise_to_pay", "en"): ("re: overdue", "We'll get this paid next Monday, apologies for the delay."),
    ("promise_to_pay", "fr"): ("re: retard", "Bonjour, le paiement partira lundi prochain, toutes nos excuses."),
    ("invoice_copy", "en"): ("doc", "Can someone resend last month's bill? Our inbox ate it."),
    ("invoice_copy", "fr"): ("doc", "Pouvez-vous me retransmettre la facture du mois dernier ? Je ne l'ai plus."),
    ("payment_link", "en"): ("card", "Is it possible to pay by card online? Please share the checkout link."),
    ("payment_link", "fr"): ("carte", "Peut-on régler par carte en ligne ? Envoyez-nous le lien, merci."),
    ("po_number", "en"): ("PO", "Please put our PO 5521 on the invoice, AP will reject it otherwise."),
    ("po_number", "fr"): ("commande", "Merci d'indiquer notre numéro de commande 5521 sur la facture."),
    ("unsubscribe", "en"): ("unsub", "Stop emailing this address please, wrong person."),
    ("unsubscribe", "fr"): ("stop", "Ne m'écrivez plus à cette adresse, je ne suis pas concerné."),
    ("remittance_advice", "en"): ("paid", "We paid both invoices by wire yesterday, see the attached advice."),
    ("remittance_advice", "fr"): ("payé", "Nous avons réglé les deux factures par virement hier, avis ci-joint."),
    ("other", "en"): ("visit", "Would you be free for a call next week about next year's contract?"),
    ("other", "fr"): ("visite", "Seriez-vous disponible pour un appel la semaine prochaine sur le contrat 2027 ?"),
}
