"""Which of the story's sources a new article may copy, rewrite or translate.

Corroboration counts independent sources, so a syndicated wire story, a
rewrite or a translation must point at its original (`derived_from`). Three
kinds of evidence, each shown to the editor:

- shared sentences: the share of the article's sentences that have a close
  counterpart in the other source (rapidfuzz token-set ratio on content
  words), which finds wire copy and, more loosely, translations;
- shared quotes: the share of its quotes whose best match is a wording in
  that source;
- a credit: the article names the outlet ("according to Reuters", "seen by
  Reuters") and the other source is that outlet's.

Measured on the seed story, leaving each article out in turn: the two real
derivations (the Jakarta machine translation and the unattributed rewrite,
both of the Reuters wire) score 0.80 and 0.60 against Reuters; the best
score of an article against a source it does not derive from is 0.27 (the
wire against its own rewrite). DERIVED_THRESHOLD sits between, at 0.45. A
translation is never suggested as an original: what it shares with an
article, it shares through the original it translates.
"""

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from tracker.ingest.matching import content_words
from tracker.models import SourceKind

DERIVED_THRESHOLD = 0.45
SENTENCE_MATCH = 70  # token-set ratio (0-100) at which two sentences are counterparts
WEIGHTS = {"sentences": 0.55, "quotes": 0.35, "credit": 0.10}
OUTLETS = re.compile(
    r"\b(Reuters|Associated Press|AP|AFP|Agence France-Presse|Bloomberg|Anadolu|Xinhua|PTI|APP|Dawn|Geo News|BBC)\b"
)
CREDIT = re.compile(
    r"(?:according to|seen by|told|reported by|quoted by|cited by|via|\()\s*(?:the\s+)?"
    r"(?P<outlet>[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*)"
)


@dataclass
class Derivation:
    source: object
    score: float
    evidence: str


def sentences(text):
    """The sentences of `text` long enough to compare, as content words."""
    parts = re.split(r"(?<=[.!?])[\"”’]?\s+|\n+", text)
    return [" ".join(words) for part in parts if len(words := content_words(part)) >= 5]


def credits(text):
    """The outlets the text credits by name."""
    named = set()
    for match in CREDIT.finditer(text):
        found = OUTLETS.search(match.group("outlet"))
        if found:
            named.add(found.group())
    return named


def rank(text, found_quotes, candidates, quote_sources):
    """The sources among `candidates` that the article `text` may derive
    from, best first. `quote_sources` lists, for each found quote, the source
    id of its best-matching wording (or None)."""
    mine = sentences(text)
    credited = credits(text)
    matched = [source_id for source_id in quote_sources if source_id is not None]
    ranked = []
    for source in candidates:
        if source.kind in (SourceKind.TRANSLATION, SourceKind.MACHINE_TRANSLATION):
            continue  # a translation is a copy: the original it shares words with is what to derive from
        theirs = sentences(source.text)
        shared = 0
        if mine and theirs:
            for sentence in mine:
                best = max(fuzz.token_set_ratio(sentence, other, score_cutoff=SENTENCE_MATCH) for other in theirs)
                shared += best >= SENTENCE_MATCH
        sentence_share = shared / len(mine) if mine else 0.0
        quote_share = sum(source_id == source.pk for source_id in matched) / len(found_quotes) if found_quotes else 0.0
        named = {outlet for outlet in credited if _is_outlets(source, outlet)}
        score = (
            WEIGHTS["sentences"] * sentence_share + WEIGHTS["quotes"] * quote_share + WEIGHTS["credit"] * bool(named)
        )
        if score <= 0:
            continue
        evidence = [f"{shared} of {len(mine)} sentences have a close counterpart in it"]
        if matched:
            count = sum(source_id == source.pk for source_id in matched)
            evidence.append(f"{count} of {len(found_quotes)} quotes match a wording it printed")
        if named:
            evidence.append(f"the article credits {', '.join(sorted(named))}, whose report this is")
        ranked.append(Derivation(source, round(score, 3), "; ".join(evidence)))
    ranked.sort(key=lambda item: (-item.score, item.source.pk))
    return ranked


def _is_outlets(source, outlet):
    """Whether `source` is `outlet`'s own report, by what the source record says of itself."""
    said = " ".join([source.outlet, source.slug.replace("-", " "), source.notes[:300]])
    return re.search(rf"\b{re.escape(outlet)}\b", said, re.I) is not None and source.derived_from_id is None
