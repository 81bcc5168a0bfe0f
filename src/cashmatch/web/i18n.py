"""The pages in French and English: words, amounts, dates.

English is written in the templates (``_("Queue")``); :data:`FRENCH` gives each text in
French. The language is the one the person chose (a cookie), else French when the browser
ranks French above English, else English. Amounts are written the way each language writes
them (``1 234,56`` / ``1,234.56``) from the exact ``Decimal``, never through a float.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_FLOOR, Decimal

LANGUAGES = ("en", "fr")

FRENCH: dict[str, str] = {
    # navigation and frame
    "Today": "Aujourd'hui", "Queue": "File de revue", "Customers": "Clients",
    "Statements": "Relevés", "History": "Historique", "Upload": "Importer",
    "Exports": "Exports", "Reports": "Rapports", "Users": "Utilisateurs",
    "Sign out": "Se déconnecter", "Sign in": "Se connecter", "Skip to content":
    "Aller au contenu", "Main navigation": "Navigation principale", "Language": "Langue",
    "Review workspace": "Espace de rapprochement", "API documentation": "Documentation de l'API",
    "Keyboard": "Clavier", "signed in as {name} ({role})": "connecté : {name} ({role})",
    "viewer": "lecteur", "reviewer": "réviseur", "approver": "approbateur",
    "admin": "administrateur",
    # sign in
    "User name": "Nom d'utilisateur", "Password or personal token":
    "Mot de passe ou jeton personnel", "Unknown user, or wrong password or token.":
    "Utilisateur inconnu, ou mot de passe ou jeton erroné.",
    "Too many attempts: wait a minute.": "Trop de tentatives : attendez une minute.",
    "Leave the name empty to sign in with a token.":
    "Laissez le nom vide pour vous connecter avec un jeton.",
    # today
    "Imported on {day}": "Importé le {day}", "Receipts": "Encaissements",
    "Payments": "Décaissements", "Outcome": "Résultat", "Count": "Nombre",
    "Amount": "Montant", "applied automatically": "appliqué automatiquement",
    "applied by a person": "appliqué à la main", "in suspense (471)": "en attente (471)",
    "to review": "à revoir", "unmatched": "sans correspondance", "auto": "automatique",
    "posted to an account": "imputé à un compte",
    "suspense": "attente (471)", "ignore": "ignoré", "review": "revue", "Nothing was imported on this day.":
    "Rien n'a été importé ce jour-là.", "Files": "Fichiers", "File": "Fichier",
    "Format": "Format", "New": "Nouveaux", "Already known": "Déjà connus",
    "Rows": "Lignes", "At": "À", "Decisions taken by people": "Décisions prises à la main",
    "Open queue": "File ouverte", "{n} lines to review": "{n} lignes à revoir",
    "oldest booked {day}": "la plus ancienne du {day}",
    "Automatic matching rate per booking day": "Taux de rapprochement automatique par jour",
    "Write-offs waiting for an approver": "Passages en perte en attente d'approbation",
    "Requested by": "Demandé par", "Difference": "Écart", "Approve": "Approuver",
    "Reject": "Rejeter", "Why": "Motif", "Day": "Jour", "Show": "Afficher",
    "Run matching": "Lancer le rapprochement", "No decisions by people on this day.":
    "Aucune décision manuelle ce jour-là.", "Kind": "Type", "items": "postes",
    "statement": "relevé", "Action": "Action", "Who": "Qui",
    # queue
    "Filters": "Filtres", "Status": "Statut", "Reason": "Motif de revue", "Party": "Tiers",
    "Minimum amount": "Montant minimum", "Maximum amount": "Montant maximum",
    "From": "Du", "To": "Au", "Words": "Mots", "Direction": "Sens", "any": "tous",
    "receipts": "encaissements", "payments": "décaissements", "Apply": "Appliquer",
    "Clear": "Effacer", "Date": "Date", "Payer": "Payeur", "Remittance": "Libellé",
    "Best suggestion": "Meilleure suggestion", "Confidence": "Confiance",
    "{first}–{last} of {total}": "{first}–{last} sur {total}", "Previous page":
    "Page précédente", "Next page": "Page suivante", "No line matches.":
    "Aucune ligne ne correspond.", "Sort by {column}": "Trier par {column}",
    "awaiting approval": "en attente d'approbation", "open": "ouvert",
    "accepted": "accepté", "assigned": "affecté", "ignored": "ignoré",
    "superseded": "clos par un rapprochement", "all": "tous", "posted": "imputé à un compte",
    "Line {n} of {total}": "Ligne {n} sur {total}", "Back to the queue": "Retour à la file",
    "Previous line": "Ligne précédente", "Next line": "Ligne suivante",
    # reasons
    "another movement claims the same item": "un autre mouvement réclame le même poste",
    "several readings fit about equally well": "plusieurs lectures conviennent presque autant",
    "the reference is found but the amount differs":
    "la référence est trouvée mais le montant diffère",
    "the amount fits but nothing tells the payer or the invoice":
    "le montant convient mais rien n'indique le payeur ni la facture",
    "the payer's IBAN belongs to another party": "l'IBAN du payeur appartient à un autre tiers",
    "only weak evidence": "seulement des indices faibles", "no candidate": "aucun candidat",
    "a decision was undone": "une décision a été annulée",
    "possibly a second payment of an item already settled (see the evidence)":
    "peut-être un second paiement d'un poste déjà soldé (voir les indices)",
    "the amount cannot settle the item": "le montant ne peut pas solder le poste",
    "the payment is larger than what it settles: an unexplained excess":
    "le paiement dépasse ce qu'il solde : un excédent inexpliqué",
    "another open item of the party is exactly the amount paid":
    "un autre poste ouvert du tiers est exactement du montant payé",
    "an early-payment discount the item's terms do not grant (its period is over, or it has none)":
    "un escompte que les conditions du poste n'accordent pas (délai passé, ou aucun)",
    "a part payment that nothing in the text explains":
    "un paiement partiel que rien dans le libellé n'explique",
    "paid before the item was issued": "payé avant l'émission du poste",
    "the text names another period": "le libellé nomme une autre période",
    "the text quotes another item": "le libellé cite un autre poste",
    "several sets of items add up to the payment":
    "plusieurs ensembles de postes font le montant du paiement",
    "items add up to the payment, but nothing says which":
    "des postes font le montant du paiement, mais rien ne dit lesquels",
    # movement
    "Bank line": "Ligne bancaire", "Booking date": "Date comptable",
    "Value date": "Date de valeur", "Counterparty": "Contrepartie", "IBAN": "IBAN",
    "BIC": "BIC", "Bank reference": "Référence bancaire", "References": "Références",
    "Transaction code": "Code opération", "Account": "Compte", "Source": "Source",
    "Charges": "Frais", "Instructed amount": "Montant donné",
    "Suggestions": "Suggestions", "Accept": "Accepter", "Accept suggestion {n}":
    "Accepter la suggestion {n}", "No suggestion: choose items below, or park it.":
    "Aucune suggestion : choisissez des postes ci-dessous, ou mettez en attente.",
    "Evidence": "Indices", "reference": "référence", "amount": "montant", "party": "tiers",
    "exact": "exacte", "rf": "RF", "tail": "fin de numéro", "fuzzy": "approchée",
    "none": "aucune", "rounding": "arrondi", "fee": "frais", "discount": "escompte",
    "partial": "partiel", "over": "trop-perçu", "mismatch": "différent", "iban": "IBAN",
    "name": "nom", "other": "autre", "Items": "Postes", "Item": "Poste",
    "Due": "Échéance", "Open": "Ouvert", "Apply this much": "Affecter",
    "Open items of": "Postes ouverts de", "Search all open items":
    "Chercher parmi tous les postes ouverts", "Search": "Chercher",
    "Remainder": "Reste", "Selected": "Sélectionnés", "Assign the ticked items":
    "Affecter aux postes cochés", "Why (kept in the log)": "Pourquoi (gardé au journal)",
    "Write off the difference": "Passer l'écart en perte",
    "Settles the ticked items in full; a difference up to {limit} is written off, above {above} an approver confirms it.":
    "Solde les postes cochés ; un écart jusqu'à {limit} est passé en perte, au-delà de {above} un approbateur le confirme.",
    "Book in suspense (471)": "Mettre en attente (471)", "Ignore": "Ignorer",
    "Other actions": "Autres actions", "Post to an account": "Imputer à un compte",
    "A fee, a tax, a salary: the whole amount goes to the account, net of the VAT it includes when a rate is given.":
    "Des frais, un impôt, un salaire : tout le montant va au compte, hors la TVA qu'il comprend quand un taux est donné.",
    "Label": "Libellé de l'écriture", "VAT rate (%)": "Taux de TVA (%)",
    "Post to the account": "Imputer au compte", "Decisions on this movement":
    "Décisions sur ce mouvement", "No open item found.": "Aucun poste ouvert trouvé.",
    "Keyboard: j / k next / previous line, 1–5 accept a suggestion, / search the items.":
    "Clavier : j / k ligne suivante / précédente, 1–5 accepter une suggestion, / chercher les postes.",
    "This line waits for an approver: write-off request {id} by {who}.":
    "Cette ligne attend un approbateur : demande de passage en perte {id} par {who}.",
    "This line is {status}.": "Cette ligne est {status}.", "Tick": "Cocher",
    "Split across parties: search other parties' items and tick them too.":
    "Répartir entre tiers : cherchez les postes d'autres tiers et cochez-les aussi.",
    "{item} was settled meanwhile: {open} open.":
    "{item} a été soldé entre-temps : {open} ouvert.", "Review items": "Lignes de revue",
    # decisions / history
    "Decision": "Décision", "Movement": "Mouvement", "Explanation": "Explication",
    "Undo": "Annuler", "Undone by {id}": "Annulée par {id}", "Reopen": "Rouvrir",
    "Why it is undone": "Pourquoi l'annuler", "Rule": "Règle", "engine": "moteur",
    "accept": "acceptation", "assign": "affectation", "reclass": "reclassement",
    "unmatch": "annulation", "post": "imputation", "Actor": "Auteur", "When": "Quand",
    # customer
    "Find a customer": "Trouver un client", "Party id": "Identifiant du tiers",
    "Open items": "Postes ouverts", "Settled items": "Postes soldés",
    "Applied": "Affecté", "Lettrage": "Lettrage", "Aged balance at {day}":
    "Balance âgée au {day}", "not due": "non échu", "Total": "Total",
    "Unapplied credits": "Crédits non lettrés", "Open total": "Total ouvert",
    "Balance": "Solde", "Entry": "Écriture", "Unapplied": "Non lettré",
    "Issued": "Émis", "Kind of item": "Nature", "invoice": "facture",
    "credit note": "avoir", "supplier invoice": "facture fournisseur",
    "supplier credit note": "avoir fournisseur", "entry": "écriture",
    # statements
    "Opening": "Solde initial", "Closing": "Solde final", "Movements": "Mouvements",
    "Balanced": "Équilibré", "Continuous": "Continu", "yes": "oui", "no": "non",
    "not checked": "non vérifié", "Imported": "Importé", "Period": "Période",
    "continues {file}": "suit {file}", "expected {amount} from {file}":
    "attendu {amount} d'après {file}",
    # upload
    "Bank statements": "Relevés bancaires",
    "camt.05x, MT940/942, OFX, CFONB 120 or CSV; several at once.":
    "camt.05x, MT940/942, OFX, CFONB 120 ou CSV ; plusieurs à la fois.",
    "Open items (CSV, Parquet, JSON)": "Postes ouverts (CSV, Parquet, JSON)",
    "Import": "Importer", "Matching": "Rapprochement",
    "Run it after importing: what it cannot apply goes to the queue.":
    "À lancer après l'import : ce qu'il ne peut appliquer va dans la file.",
    # exports and reports
    "Matches": "Correspondances", "Journal": "Journal", "Download": "Télécharger",
    "FEC (Fichier des Écritures Comptables)": "FEC (Fichier des Écritures Comptables)",
    "SIREN (9 digits)": "SIREN (9 chiffres)", "Fiscal year end": "Clôture de l'exercice",
    "As of": "Au", "DSO over {months} months": "DSO sur {months} mois",
    "Receivables": "Créances", "Sales": "Ventes", "Simple ratio (days)":
    "Ratio simple (jours)", "Countback (days)": "Méthode par épuisement (jours)",
    "Payment delays": "Délais de paiement", "Average delay (days)": "Retard moyen (jours)",
    "Matching per booking day": "Rapprochement par jour de comptabilisation",
    "automatic": "automatique", "by a person": "à la main", "Rate": "Taux",
    "Aged balance": "Balance âgée", "Chart": "Graphique",
    # users
    "Role": "Rôle", "Add a user": "Ajouter un utilisateur", "Password": "Mot de passe",
    "Personal token": "Jeton personnel", "Add": "Ajouter", "Disable": "Désactiver",
    "disabled": "désactivé", "active": "actif", "Created": "Créé",
    # flash
    "Decision {id} recorded.": "Décision {id} enregistrée.",
    "The write-off waits for an approver (request {id}).":
    "Le passage en perte attend un approbateur (demande {id}).",
    "Request {id} approved: decision {decision}.": "Demande {id} approuvée : décision {decision}.",
    "Request {id} rejected.": "Demande {id} rejetée.",
    "The queue is done.": "La file est vide.",
    "Matching run {id}: {auto} applied, {review} to review, {unmatched} unmatched.":
    "Rapprochement {id} : {auto} appliqués, {review} à revoir, {unmatched} sans correspondance.",
    "Imported: {new} new movements, {known} already known.":
    "Importé : {new} nouveaux mouvements, {known} déjà connus.",
    "Imported: {new} new items, {updated} updated.":
    "Importé : {new} nouveaux postes, {updated} mis à jour.",
    "User {name} added.": "Utilisateur {name} ajouté.",
    "User {name} disabled.": "Utilisateur {name} désactivé.",
    "The form has expired: try again.": "Le formulaire a expiré : recommencez.",
    "Tick at least one item.": "Cochez au moins un poste.",
    "{amount} is not an amount.": "{amount} n'est pas un montant.",
}


def language(cookie: str | None, accept: str | None) -> str:
    """The pages' language: the person's choice, else French when the browser ranks it
    above English, else English."""
    if cookie in LANGUAGES:
        return cookie  # type: ignore[return-value]
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate((accept or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        ranked.append((-weight, n, tag.split("-")[0].strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag in LANGUAGES:
            return tag
    return "en"


class Words:
    """Texts, amounts and dates of one language, for the templates."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def text(self, english: str, **values: object) -> str:
        words = FRENCH.get(english, english) if self.lang == "fr" else english
        return words.format(**values) if values else words

    def amount(self, value: Decimal | str | None, currency: str | None = None) -> str:
        """``1 234,56 EUR`` / ``1,234.56 EUR`` (the sign kept, the decimals as given)."""
        if value is None:
            return ""
        text = format(Decimal(value), ",f")
        if self.lang == "fr":
            text = text.replace(",", "\u202f").replace(".", ",")
        if text.startswith("-"):
            text = "\u2212" + text[1:]
        return f"{text}\u00a0{currency}" if currency else text

    def number(self, value: Decimal | str | None) -> str:
        """A plain amount as a person types it back in this language (no grouping)."""
        if value is None:
            return ""
        text = format(Decimal(value), "f")
        return text.replace(".", ",") if self.lang == "fr" else text

    def day(self, value: date | str | None) -> str:
        if value is None or value == "":
            return ""
        day = date.fromisoformat(value) if isinstance(value, str) else value
        if isinstance(day, datetime):
            day = day.date()
        if self.lang == "fr":
            return f"{day:%d/%m/%Y}"
        return f"{day.day} {day:%b %Y}"

    def moment(self, value: datetime | None) -> str:
        """A stored timestamp (naive UTC) in the machine's time zone."""
        if value is None:
            return ""
        local = value.replace(tzinfo=UTC).astimezone()
        return f"{self.day(local.date())} {local:%H:%M}"

    def percent(self, value: Decimal | str | None) -> str:
        if value is None:
            return ""
        whole = int((Decimal(value) * 100).to_integral_value(rounding=ROUND_FLOOR))
        return f"{whole}\u00a0%" if self.lang == "fr" else f"{whole}%"
