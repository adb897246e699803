"""A redacted outline of a portal page, for whoever must teach the assistant a changed page.

It keeps the page's structure (tags, attribute names, a few attribute values that are the page's
own switches: ``type``, ``role``, ``lang``...) and the portal's own interface words (a heading,
a column header, a label, a button or link text) only when every word of it is in the interface
vocabulary below. It never keeps a table cell's text, a form value, a link's address, or any text
with a digit or an unknown word: a name, an AGDREF number, a letter's label cannot pass.

The page is read in one ``page.evaluate`` (the browser already leaves out cell text and form
values), then filtered here, where the rules can be tested without a browser. Flows never write
files: the outline is handed back (on ``PageNotRecognisedError.capture``) for the runner to save.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from flows import labels
from flows.labels import normalise
from flows.untrusted import untrusted_text

#: More elements than this and the rest is cut: an outline, not a copy.
MAX_ELEMENTS: Final = 5_000
#: Text longer than this is not an interface label.
MAX_TEXT: Final = 200
ELIDED: Final = "…"

# Attributes whose values are the page's own switches, never the person's data.
_SAFE_VALUES: Final = frozenset(
    {
        "type",
        "role",
        "scope",
        "lang",
        "hreflang",
        "method",
        "autocomplete",
        "rel",
        "aria-current",
        "aria-hidden",
        "aria-expanded",
        "aria-live",
        "dir",
    }
)
# Attributes that hold interface words: kept only when they pass the vocabulary.
_WORDY_VALUES: Final = frozenset({"aria-label", "title", "placeholder", "alt", "value"})

# The portal's interface words, French and English (normalised: no accents, lower case).
_INTERFACE_WORDS: Final = """
a au aux avec avez avoir ce ces cet cette dans de des du en et est etes il ils la le les leur
ma mais mes mon ne nos notre nous ou par pas plus pour qu que qui sa se ses son sur ta tes ton
tous tout toutes un une vos votre vous y l d j n s c m t
accueil acceder acces action actions activer active activation adresse aide aucun aucune
authentification besoin bienvenue bloque bloquee cle compte connecter connexion consulte consulter
contact contacts coordonnees courrier courriers creation creer date dates deconnecte deconnectee
deconnecter deconnexion delai demande depot depose document documents dossier echeance electronique
encore entretien envoyer enregistrer erreur espace etat expediteur expire expiree fermer francais
identifiant identification image imprimer incorrect indisponible information informations
langue lecture lire lu lue lus menu message messagerie mise modifier mot motdepasse navigation
nouveau nouvelle notification notifie notifiee numero obligatoire obligatoires ofpra agdref
oublie ouvrir page pages pagination passe personnel personnelle portail precedent precedente
premiere principal profil reessayer reinitialiser remise restant retour robot saisir securite
service session site statut suivant suivante supprimer telecharger telephone temps tentative
tentatives temporairement type usager valider verification voir vue fr en portable mobile
maintenance disposition champs caracteres special speciaux majuscule minuscule chiffre regles
courriel e mail email sms guichet unique activ confirmer confirmation changer changement
actuel modification continuer jour jours lien liens resultats tableau liste
about access account accounts activate activated address all an and are at back be by
change characters check close connection contact continue correspondence current date dates
deadline details document documents download e english error expired failed file files first
for forgot forgotten from have help home i image in including information is it key language
last letter letters list log logged login logout lost main maintenance menu mobile my new next
no not notification notified number of on open or our page pages password personal phone please
previous print provision read received remaining required robot save security send sender
service session sign site space status submit temporarily the this time to try type unavailable
unread upload us view welcome with you your mandatory fields all rules special digit upper
lower case confirm again later unlock locked attempts hello bonjour
recu dont doit etre suivent defaut repute issue reputee within period ends otherwise opened
deemed must be when that non oui yes
"""


def _vocabulary() -> frozenset[str]:
    words = set(_INTERFACE_WORDS.split())
    for variants in labels.COLUMN_VARIANTS.values():
        for phrases in variants.values():
            words.update(word for phrase in phrases for word in phrase.split())
    for _, phrases in labels.KIND_VARIANTS:
        words.update(word for phrase in phrases for word in phrase.split())
    return frozenset(words)


VOCABULARY: Final = _vocabulary()
_DIGIT: Final = re.compile(r"\d")
_DIGITS: Final = re.compile(r"\d+")
_LETTER: Final = re.compile(r"[^\W\d_]")

# Walks the DOM; for each element: tag, attributes (name, and value only where it may be kept),
# its own text nodes (none inside a table cell, none of a form field). Script and style content,
# and what is inside an SVG, are left out.
_CAPTURE_JS = """
([safeValues, wordyValues, maxElements]) => {
  const safe = new Set(safeValues);
  const wordy = new Set(wordyValues);
  const skipInside = new Set(["script", "style", "noscript", "template", "svg", "iframe",
                              "textarea", "select"]);
  let count = 0;
  const walk = (el, inCell) => {
    count += 1;
    const tag = el.tagName.toLowerCase();
    const attrs = [];
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      let value = null;
      if (safe.has(name)) value = attr.value;
      // A field's value is what was typed; only a button's is its label.
      else if (wordy.has(name) && !(name === "value" &&
               !(tag === "input" && ["submit", "button", "reset"].includes(
                 (el.getAttribute("type") || "").toLowerCase())))) value = attr.value;
      attrs.push([name, value]);
    }
    const cell = inCell || tag === "td";
    const texts = [];
    const children = [];
    if (!skipInside.has(tag)) {
      for (const node of Array.from(el.childNodes)) {
        if (node.nodeType === Node.TEXT_NODE) {
          const text = node.textContent.replace(/\\s+/g, " ").trim();
          if (text) texts.push(cell ? null : text);
        } else if (node.nodeType === Node.ELEMENT_NODE) {
          if (count >= maxElements) { children.push({t: "…", a: [], x: [], c: []}); break; }
          children.push(walk(node, cell));
        }
      }
    }
    return {t: tag, a: attrs, x: texts, c: children};
  };
  return walk(document.documentElement, false);
}
"""


def capture_page(page: Page) -> str | None:
    """The redacted outline of the page now shown, or None if the page cannot be read."""
    try:
        tree = page.evaluate(
            _CAPTURE_JS, [sorted(_SAFE_VALUES), sorted(_WORDY_VALUES), MAX_ELEMENTS]
        )
    except PlaywrightError:
        return None
    return outline(tree)


def outline(tree: dict[str, Any]) -> str:
    """Render the tree the browser returned as an indented outline, redacted."""
    return "\n".join(_render(tree, 0)) + "\n"


def keep_text(text: str | None) -> str | None:
    """``text`` when it is made only of interface words, else None (it might be personal).
    Numbers are never kept: each run of digits becomes "N" ("Vous avez reçu N courrier(s)")."""
    if text is None:
        return None
    text = _DIGITS.sub("N", untrusted_text(text, MAX_TEXT + 1))
    if not text or len(text) > MAX_TEXT:
        return None
    if not _LETTER.search(text):
        # Punctuation and symbols only ("|", "*", ">"): layout, not data.
        return text if len(text) <= 3 else None
    words = normalise(text).replace("/", " ").split()
    if words and all(word in VOCABULARY for word in words):
        return text
    return None


def _render(node: dict[str, Any], depth: int) -> list[str]:
    # A tag or attribute name is the page's text too (an HTML parser lets ESC into one).
    parts = [untrusted_text(node["t"], 40) or "?"]
    for name, value in node["a"]:
        parts.append(_attribute(untrusted_text(name, 40) or "?", value))
    texts = [_quoted(keep_text(text)) for text in node["x"]]
    if texts:
        parts.append(" ".join(_collapse_elisions(texts)))
    lines = ["  " * depth + " ".join(parts)]
    lines.extend(_collapsed(_render(child, depth + 1) for child in node["c"]))
    return lines


def _attribute(name: str, value: str | None) -> str:
    if value is None:
        return f"[{name}]"
    if name in _SAFE_VALUES:
        # A switch's value is a short word ("password", "col", "fr"); anything else is dropped.
        plain = (
            len(value) <= 40
            and not _DIGIT.search(value)
            and '"' not in value
            and untrusted_text(value) == value
        )
        return f"[{name}={value}]" if plain else f"[{name}]"
    kept = keep_text(value)
    return f"[{name}]" if kept is None else f"[{name}={_quoted(kept)}]"


def _quoted(text: str | None) -> str:
    if text is None:
        return ELIDED
    return '"' + text.replace('"', "'") + '"'


def _collapse_elisions(texts: list[str]) -> list[str]:
    collapsed: list[str] = []
    for text in texts:
        if not (text == ELIDED and collapsed and collapsed[-1] == ELIDED):
            collapsed.append(text)
    return collapsed


def _collapsed(blocks: Iterable[list[str]]) -> list[str]:
    """Runs of identical siblings (the rows of a table, once redacted) as one, counted."""
    lines: list[str] = []
    previous: list[str] | None = None
    repeats = 0

    def flush() -> None:
        if previous is None:
            return
        first, *rest = previous
        lines.append(first + (f"  [{repeats} times]" if repeats > 1 else ""))
        lines.extend(rest)

    for block in blocks:
        if block == previous:
            repeats += 1
            continue
        flush()
        previous, repeats = block, 1
    flush()
    return lines
