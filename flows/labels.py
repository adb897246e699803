"""The portal's own words, in French and English, and the loose matching they need.

PORTAL.md marks most French labels as unverified: every label here is a set of plausible
variants, matched without regard to case, accents, punctuation or extra words.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_A_WORD = re.compile(r"[^\w/]+")


def normalise(text: str) -> str:
    """Casefold, strip accents and symbols, collapse every kind of space."""
    decomposed = unicodedata.normalize("NFKD", text)
    # Most cells (dates, numbers, "OFPRA") are ASCII: no accent to strip, so skip the slow part.
    if not decomposed.isascii():
        decomposed = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = _NOT_A_WORD.sub(" ", decomposed.casefold())
    return " ".join(words.split())


def _pattern(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), re.IGNORECASE)


# Page objects find elements by role and accessible name with these.
IDENTIFIER_FIELD = _pattern(r"num[ée]ro\s+(de\s+dossier|agdref)", r"file\s+number", r"agdref")
PASSWORD_FIELD = _pattern(r"^\s*(mot\s+de\s+passe|password)\s*\*?\s*$")
SIGN_IN_BUTTON = _pattern(r"^\s*(se\s+connecter|connexion|log\s*in|sign\s*in|valider)\s*$")
# The documents link's name on the real portal is unverified (PORTAL.md): the plausible ones, the
# likeliest first (a page with "Mes messages" and "Mes documents" links leads to the letters by the
# second). Failing all of them, the link is found by where it leads (flows/pages/home.py).
DOCUMENTS_LINK_NAMES = (
    _pattern(r"mes\s+documents", r"my\s+documents"),
    _pattern(r"mes\s+courriers", r"courriers\s+re[çc]us", r"my\s+letters", r"my\s+mail\b"),
    _pattern(r"ma\s+correspondance"),
    _pattern(r"mes\s+messages"),
)
DOCUMENTS_LINK = _pattern(*(name.pattern for name in DOCUMENTS_LINK_NAMES))
LOGOUT_LINK = _pattern(
    r"d[ée]connexion",
    r"(se|me)\s+d[ée]connecter",
    r"^\W*quitter\W*$",
    r"log\s*out",
    r"sign\s*out",
    r"disconnect",
)
# Links of the home page never followed when looking for the documents list by where links lead:
# they end the session, change the account or the language, or are for a person to use.
NOT_A_WAY_TO_THE_LIST = _pattern(
    LOGOUT_LINK.pattern,
    r"mot\s+de\s+passe",
    r"password",
    r"supprimer",
    r"delete",
    r"d[ée]sactiver",
    r"deactivate",
    r"r[ée]silier",
    r"close\s+(my\s+)?account",
    r"langue",
    r"language",
    r"^\W*(fran[çc]ais|english|espa[ñn]ol|deutsch|italiano|portugu[êe]s|русский|українська"
    r"|العربية|فارسی|دری|پښتو|বাংলা|türkçe|ქართული|kreyòl(\s+ayisyen)?)\W*$",
)
LOGIN_REJECTED_TEXT = _pattern(r"incorrect", r"invalide", r"invalid", r"erron", r"wrong")
ACCOUNT_LOCKED_TEXT = _pattern(r"bloqu[ée]", r"verrouill", r"locked", r"blocked", r"suspendu")

# Pages that can come instead of the one expected (each is a page object in flows/pages/).
CAPTCHA_TEXT = _pattern(
    r"captcha",
    r"pas\s+un\s+robot",
    r"not\s+a\s+robot",
    r"caract[èe]res\s+de\s+l.image",
    r"characters\s+in\s+the\s+image",
    r"v[ée]rification\s+de\s+s[ée]curit[ée]",
    r"security\s+check",
)
MAINTENANCE_TEXT = _pattern(
    r"maintenance",
    r"temporairement\s+indisponible",
    r"temporarily\s+unavailable",
    r"service\s+indisponible",
    r"service\s+unavailable",
)
NEW_PASSWORD_FIELD = _pattern(
    r"nouveau\s+mot\s+de\s+passe", r"new\s+password", r"changer?\s+(votre|de|le)\s+mot\s+de\s+passe"
)
NEXT_PAGE_LINK = _pattern(r"^\W*(page\s+suivante|suivante?|next(\s+page)?)\W*$")
# A link to a page of the list by its number: "3", "Page 3", "Aller à la page 3", "Go to page 3".
PAGE_NUMBER_LINK = _pattern(r"^\W*((aller\s+[aà]\s+la\s+|go\s+to\s+)?page\s+)?\d{1,3}\W*$")

# What a pager may say about the whole list, read from the normalised text around the table
# (normalise() turns "1-20 sur 45" into "1 20 sur 45", "1 à 20 of 45" into "1 a 20 of 45").
ROW_RANGE_TEXT = re.compile(r"\b(\d+) (?:a |to |-)?(\d+) (?:sur|of|out of|de) (\d+)\b")
PAGE_OF_TEXT = re.compile(r"\bpage (\d+)(?: (?:sur|of|de) | ?/ ?)(\d+)\b")

#: Rows per page that portals commonly use: a single page of exactly this many rows, with no
#: pager in sight and no counters, may be the first page of a list whose pager went unseen.
COMMON_PAGE_SIZES = frozenset({10, 20, 25, 50, 100})

# The portal saying the letters cannot be shown (in the table's place, or in a row of it). It
# beats any table and any "empty" wording: "Aucun document ne peut être affiché" is not "aucun
# document". Matched against normalised text.
UNAVAILABLE_LIST_TEXT = re.compile(
    r"\b(ne (peuvent|peut) (pas )?etre (affiche|consulte)"
    r"|(cannot|can not|could not|can t) be (shown|displayed|listed|loaded)"
    r"|(temporairement|momentanement) (indisponible|inaccessible)"
    r"|temporarily unavailable|service (indisponible|unavailable)"
    r"|currently unavailable|actuellement indisponible)"
)

# The home page's counters: "Vous avez reçu 7 courrier(s), dont 2 non lu(s)." / "You have
# received 7 letter(s), including 2 unread." Found by the text, read from its normalised form.
HOME_SUMMARY = _pattern(
    r"\d+\s+courrier.*dont\s+\d+\s+non\s+lu", r"\d+\s+letter.*including\s+\d+\s+unread"
)
HOME_SUMMARY_NUMBERS = re.compile(
    r"(\d+) (?:courriers?|letters?)\b.*?\b(?:dont|including) (\d+) (?:non lus?|unread)\b"
)

# Column roles of the documents table. Each header is matched against the normalised variants;
# the more specific roles are tried first ("Temps restant pour accéder au courrier" names no
# document, although it contains "courrier").
COLUMN_VARIANTS: dict[str, dict[str, tuple[str, ...]]] = {
    "remaining": {
        "fr": ("temps restant", "delai restant", "jours restants"),
        "en": ("remaining time", "time remaining", "days left", "remaining"),
    },
    "notified_on": {
        "fr": ("date de notification", "notifie le", "notification"),
        "en": ("notification date", "notified on"),
    },
    "made_available_on": {
        "fr": ("date de mise a disposition", "mise a disposition", "date de depot", "depose le"),
        "en": ("provision date", "date of provision", "made available", "available on"),
    },
    "status": {
        "fr": ("statut", "etat", "lecture"),
        "en": ("status", "state"),
    },
    "sender": {
        "fr": ("expediteur", "emetteur", "envoye par"),
        "en": ("sender", "sent by", "from"),
    },
    "view": {
        "fr": ("consulter", "voir", "ouvrir", "action", "actions"),
        "en": ("view", "open", "action", "actions"),
    },
    "document": {
        "fr": ("document", "type de document", "courrier", "objet"),
        "en": ("document", "document type", "letter", "subject"),
    },
}

REQUIRED_COLUMNS = ("status", "document", "made_available_on")

# Document labels → kinds, most specific first: "Annulation de convocation" is a cancellation,
# "Convocation à l'entretien" a summons, "Renotification de la décision" a re-notification.
KIND_VARIANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("account_creation", ("creation de compte", "creation du compte", "account creation")),
    ("convocation_cancellation", ("annulation", "cancellation", "cancelled", "canceled")),
    ("renotification", ("renotification", "re notification", "nouvelle notification")),
    ("medical_certificate", ("certificat medical", "medical certificate")),
    ("reclassification", ("requalification", "reclassification", "reclassement")),
    ("postal_letter", ("courrier postal", "postal letter", "par voie postale", "by post")),
    ("six_months", ("6 mois", "six mois", "6 months", "six months")),
    ("convocation", ("convocation", "appointment", "summons", "summoned")),
    ("interview", ("entretien", "interview", "transcription", "compte rendu")),
    ("introduction", ("introduction", "enregistrement", "lodging")),
    ("decision", ("decision",)),
)

# Status cells. "Lu le 21/04/2023", "✓ Read on 4/21/23", "Non lu", "Unread", or empty.
UNREAD_STATUS = frozenset({"non lu", "non lue", "unread", "not read", "nouveau", "new"})
READ_STATUS_PREFIXES = ("lu le", "lue le", "read on", "opened on", "consulte le")
READ_STATUS_ALONE = frozenset({"lu", "lue", "read", "consulte"})

# "Remaining time" cells. "12 jours", "1 day", "Courrier notifié", "Notified letter", or empty.
REMAINING_DAYS = re.compile(r"^(\d+)\s*(jours?|j|days?|d)$")
NOTIFIED_TEXT = ("courrier notifie", "notified letter", "notifie", "notified")

# The portal's own words for an empty list, in a single row of the table or in the table's place
# (the real wording is unverified, PORTAL.md). An empty list is said only from these words.
EMPTY_TABLE_TEXT = (
    "aucun document",
    "aucun courrier",
    "no document",
    "no documents",
    "no letters",
    "aucun element",
    "no items",
)

# The same words as found on a page (raw text, accents and all), for waiting on them.
EMPTY_LIST_SHOWN = _pattern(
    r"aucun\s+(document|courrier|[ée]l[ée]ment)",
    r"\bno\s+(documents?|letters|items)\b",
)

# The documents table is the table with a "Document" column header.
DOCUMENT_COLUMN = _pattern(r"^\s*(document|type de document|document type)\s*\*?\s*$")

# The pages of getting in (activation, forgotten password): the labels of the guide's screenshots
# (PORTAL.md) and their plausible variants. The order of fields and steps on the real portal is
# unverified: each field is found by its label wherever it comes.
ACTIVATION_LINK = _pattern(
    r"pas\s+encore\s+activ", r"not\s+yet\s+activated", r"activer\s+mon\s+espace", r"activate\s+my"
)
FORGOT_PASSWORD_LINK = _pattern(
    r"oubli[ée]\s+mon\s+mot\s+de\s+passe", r"mot\s+de\s+passe\s+oubli", r"forgot\s+(my|your)"
)
CONNECTION_KEY_FIELD = _pattern(r"cl[ée]\s+(de\s+connexion|personnelle)", r"connection\s+key")
# "Nouveau mot de passe" but not "Confirmer le (nouveau) mot de passe".
NEW_PASSWORD_ONLY_FIELD = _pattern(
    r"^(?!.*confirm)\W*(nouveau\s+mot\s+de\s+passe|new\s+password|cr[ée]er\s+votre\s+mot\s+de"
    r"\s+passe|create\s+your\s+password|choose\s+a\s+password)"
)
CONFIRM_PASSWORD_FIELD = _pattern(
    r"confirm\w*\s+(le\s+|the\s+|your\s+|votre\s+)?(nouveau\s+|new\s+)?(mot\s+de\s+passe|password)",
    r"(retape|ressaisi|re-?type|repeat)\w*\s.*(mot\s+de\s+passe|password)",
)
MOBILE_FIELD = _pattern(r"t[ée]l[ée]phone", r"\bportable\b", r"\bmobile\b")
EMAIL_FIELD = _pattern(r"e-?\s*mail", r"courriel")
SUBMIT_BUTTON = _pattern(
    r"^\s*(valider|confirmer|envoyer|soumettre|enregistrer|continuer|suivant|"
    r"validate|confirm|submit|send|save|continue|next)\s*$"
)
ALREADY_ACTIVATED_TEXT = _pattern(r"d[ée]j[àa]\s+activ", r"already\s+(been\s+)?activated")
# The portal saying the activation or the new password is done (in a status message).
GETTING_IN_DONE_TEXT = _pattern(
    r"est\s+activ[ée]",
    r"is\s+(now\s+)?activated",
    r"activ[ée]\s+avec\s+succ[èe]s",
    r"successfully\s+activated",
    r"mot\s+de\s+passe\s+a\s+[ée]t[ée]\s+(modifi|chang|r[ée]initialis)",
    r"password\s+(has\s+been|was)\s+(changed|reset|updated)",
)
