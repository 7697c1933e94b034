"""Who said it: the speaker an attribution names, resolved first within the
article ("the ministry" is the ministry it named before) and then against the
speakers the story already quotes ("Jaaferi" is the story's "Jafri").

An article names a speaker in many forms: in full with a role ("Abdul Moiz
Jafri, a petitioner and advocate"), by surname ("Khan"), by title ("The
Minister"), generically ("the ministry", "the report") or by pronoun ("It
said"). `Article` keeps who was named so far, so that each later form points
back at a name; `StorySpeakers` then matches that name with the story's own
spellings and says why. Everything here is rules over capitalisation and a
few word lists: transparent, so every match comes with its reason.
"""

import re
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz

from tracker.provenance import TYPOGRAPHIC

# The head nouns of bodies that speak: "the Interior Ministry", "Another court".
ORG_HEADS = {
    "ministry",
    "ministries",
    "government",
    "court",
    "military",
    "army",
    "police",
    "agency",
    "authority",
    "authorities",
    "commission",
    "party",
    "department",
    "office",
    "team",
    "company",
    "regulator",
    "parliament",
    "senate",
    "embassy",
    "council",
    "committee",
    "board",
    "bureau",
    "wing",
    "platform",
    "group",
    "organisation",
    "organization",
    "union",
    "association",
    "administration",
    "cabinet",
    "tribunal",
}
# What a body's words come in: "the report said" is the body that wrote it.
DOCUMENT_NOUNS = {
    "report",
    "submission",
    "filing",
    "statement",
    "letter",
    "document",
    "petition",
    "reply",
    "response",
    "notice",
    "order",
    "affidavit",
    "post",
    "release",
}
# Titles that stand for a person: "The Minister stressed …".
ROLE_NOUNS = {
    "minister",
    "president",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "judge",
    "justice",
    "lawyer",
    "advocate",
    "petitioner",
    "official",
    "chief",
    "secretary",
    "governor",
    "activist",
    "consultant",
    "analyst",
    "leader",
    "chairman",
    "chairperson",
    "director",
    "prosecutor",
    "attorney",
}
PRONOUNS = {"he": "person", "she": "person", "it": "org", "they": "org"}
# Capitalised words that are not names (sentence openers, places, months, platforms).
NOT_NAMES = {
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "For",
    "By",
    "As",
    "But",
    "And",
    "However",
    "Meanwhile",
    "Although",
    "While",
    "According",
    "Since",
    "After",
    "Before",
    "Following",
    "Additionally",
    "Consequently",
    "This",
    "That",
    "These",
    "Those",
    "His",
    "Her",
    "Its",
    "Their",
    "Our",
    "We",
    "I",
    "He",
    "She",
    "It",
    "They",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Twitter",
    "X",
    "Reuters",
    "AFP",
    "VPN",
    "Many",
    "Some",
    "Most",
    "Users",
    "Critics",
    "Pakistan",
    "Pakistani",
    "Islamabad",
    "Jakarta",
    "Indonesia",
    "Indonesian",
}
COUNTRY_WORDS = re.compile(
    r"^(?:pakistan(?:'s|i)?|indonesia(?:'s|n)?|india(?:'s|n)?|us|u\.s\.|american|british)$", re.I
)
# Words that name the same ministry in other forms or in translation.
SYNONYMS = {"home": "interior", "affairs": "", "of": "", "and": "", "the": "", "federal": ""}
SMALL_WORDS = {"of", "and", "for", "the", "on", "in"}
LEADING = re.compile(r"^(?:the|a|an|another|its|their|his|her)\s+", re.I)


def fold(name):
    """A name for comparison: typographic marks, case, a leading article and possessives folded."""
    name = name.translate(TYPOGRAPHIC).casefold().strip(" ,.;:")
    name = LEADING.sub("", name)
    return re.sub(r"'s\b", "", name).strip()


def words_of(name):
    return re.findall(r"[\w'’./-]+", name)


def _bare(word):
    """A word without its possessive ending or a trailing full stop."""
    return re.sub(r"['’]s$|['’.]$", "", word)


@dataclass
class Speaker:
    """A speaker as an attribution gives it. `kind`: person, org, or (before
    resolution) pronoun, document, title or surname."""

    name: str
    role: str = ""
    kind: str = "person"
    generic: bool = False  # "the ministry": a body named by its kind only
    head: str = ""  # an organisation's head noun; a title's noun; a surname

    @property
    def key(self):
        return fold(self.name)


def organisation_name(phrase):
    """ "Pakistan’s interior ministry" → "Interior Ministry": the body without
    its article or country (when something specific remains), capitalised as
    a name."""
    parts = words_of(phrase.translate(TYPOGRAPHIC))
    while parts and parts[0].lower() in {"the", "a", "an", "another"}:
        parts = parts[1:]
    if (
        len(parts) > 2
        and COUNTRY_WORDS.match(parts[0])
        or len(parts) == 2
        and COUNTRY_WORDS.match(parts[0])
        and parts[1].lower() in {"ministry"}
    ):
        parts = parts[1:]
    name = " ".join(parts)
    if name.islower() and len(parts) > 1:
        name = " ".join(w if w in SMALL_WORDS else w[:1].upper() + w[1:] for w in parts)
    return name


def parse(phrase):
    """The Speaker an attribution's subject names, or None when it names no
    one who speaks ("This move", "the decision")."""
    phrase = re.sub(r"\s+", " ", phrase).strip(" ,.;:-–—\"“”'‘’")
    if not phrase or len(phrase) > 160:
        return None
    plain = phrase.translate(TYPOGRAPHIC)
    lower = plain.lower()
    if lower in PRONOUNS:
        return Speaker(phrase, kind="pronoun", head=PRONOUNS[lower])
    # "the statement shared by X's Global Government Affairs team": its author.
    by = re.search(r"\b(?:by|from|of)\s+(.+)$", plain)
    tokens = [_bare(w).lower() for w in words_of(plain)]
    if tokens and tokens[0] in {"the", "a", "an", "its", "their"} and set(tokens[1:3]) & DOCUMENT_NOUNS:
        if by and not set(words_of(by.group(1).lower())) & DOCUMENT_NOUNS:
            return parse(by.group(1))
        bodies = [t for t in tokens if t in ORG_HEADS]
        return Speaker(phrase, kind="document", head=bodies[0] if bodies else "")
    # "Abdul Moiz Jafri, a petitioner and advocate": a name and its role.
    apposition = re.match(r"^(.+?),\s*(?:an?|the)\s+(.+)$", phrase)
    if apposition:
        found = parse(apposition.group(1))
        if found is not None and found.kind == "person" and not found.role:
            found.role = apposition.group(2).strip()
            return found
    # "Pakistan's Minister of Information and Broadcasting, Atta Tarar": a role, then the name.
    titled = re.match(r"^(.+?),\s*(.+)$", phrase)
    if titled:
        name = person_name(titled.group(2))
        if name and name == titled.group(2).strip():
            return Speaker(name, role=_role(titled.group(1)), kind="person", head=name.split()[-1])
    heads = [t for t in tokens if t in ORG_HEADS]
    if heads and tokens[-1] in ORG_HEADS | {"affairs", "interior"} | DOCUMENT_NOUNS or "of" in tokens and heads:
        if tokens[-1] in DOCUMENT_NOUNS:  # "the ministry report"
            return Speaker(phrase, kind="document", head=heads[0])
        name = organisation_name(phrase)
        specific = [t for t in tokens if t not in {"the", "a", "an", "another", "its", "their"} | ORG_HEADS]
        return Speaker(name, kind="org", generic=not specific, head=heads[-1])
    # "marketing consultant Saif Ali", "Usama Khilji", "Khan".
    name = person_name(phrase)
    if name:
        role = phrase[: phrase.rfind(name)].strip(" ,")
        return Speaker(name, role=_role(role), kind="person", head=name.split()[-1])
    if tokens and tokens[-1] in ROLE_NOUNS:  # "The Minister", "the interior minister"
        return Speaker(" ".join(words_of(LEADING.sub("", phrase))), kind="title", head=tokens[-1])
    return None


def person_name(phrase):
    """The name at the end of `phrase` (its trailing capitalised words), or ''."""
    found = []
    for word in reversed(words_of(phrase.translate(TYPOGRAPHIC))):
        bare = _bare(word)
        if not bare[:1].isupper() or bare in NOT_NAMES or bare.isupper() and len(bare) > 3:
            break
        if bare.lower() in ROLE_NOUNS | ORG_HEADS:
            break
        found.append(bare)
        if len(found) == 4:
            break
    found.reverse()
    return " ".join(found)


def _role(words):
    words = re.sub(r"^(?:the|a|an)\s+", "", words.strip(" ,"), flags=re.I)
    parts = words.split()
    if parts and COUNTRY_WORDS.match(parts[0].translate(TYPOGRAPHIC)):
        parts = parts[1:]
    role = " ".join(parts)
    # A role opens the sentence only by chance: "Digital rights activist Usama Khilji".
    if role[:1].isupper() and role[1:2].islower() and role.split()[0].lower() not in {"minister", "prime", "chief"}:
        role = role[:1].lower() + role[1:]
    return role


class Article:
    """The people and bodies an article has named so far, in order, so a later
    "the ministry", "Tarar", "The Minister" or "It" can be pointed back at the
    name it stands for."""

    def __init__(self, text, quoted=()):
        self.text = text
        # (offset, Speaker) in order of appearance; names inside quotations are the speaker's words, not the article's.
        self.named = [(at, s) for at, s in mentions(text) if not any(a <= at < b for a, b in quoted)]
        self.spoken = []  # (offset, Speaker): the speakers attributions named so far, resolved

    def said(self, speaker, at):
        """Remember that `speaker` spoke at `at`: a later "It said" or "the report" may mean them."""
        self.spoken.append((at, speaker))

    def resolve(self, speaker, at):
        """`speaker` as the article names it in full, and why; `at` is where
        in the text the attribution stands. Looks back first, then ahead."""
        if speaker.kind in ("person", "org") and not speaker.generic and len(speaker.name.split()) > 1:
            return speaker, ""
        before = [s for offset, s in reversed(self.named) if offset < at]
        if speaker.kind in ("pronoun", "document"):
            before = [s for offset, s in reversed(self.spoken) if offset < at] + before
        after = [s for offset, s in self.named if offset >= at]
        for candidates, where in ((before, "named earlier"), (after, "named later")):
            for other in candidates:
                if _refers_to(speaker, other):
                    reason = f"“{speaker.name}” is {other.name}, {where} in the article"
                    return Speaker(other.name, other.role or speaker.role, other.kind, False, other.head), reason
        return speaker, ""


def _refers_to(speaker, other):
    if other.generic or other.kind not in ("person", "org"):
        return False
    if speaker.kind == "pronoun":
        return other.kind == speaker.head
    if speaker.kind == "person":  # a surname alone
        return other.kind == "person" and len(other.name.split()) > 1 and other.head == speaker.head
    if speaker.kind == "title":
        return other.kind == "person" and speaker.head in other.role.lower()
    if speaker.kind in ("org", "document"):
        return other.kind == "org" and (not speaker.head or other.head == speaker.head)
    return False


NAME_RUN = re.compile(r"(?:(?:[A-Z]\.|[A-Z][\w'’-]*)\s+){0,5}(?:[A-Z]\.|[A-Z][\w'’-]*)")
ORG_RUN = re.compile(
    r"(?:\b[Tt]he\s+)?(?:[A-Z][\w'’]*\s+|(?:interior|federal|home|foreign|information|high|supreme)\s+){0,4}"
    r"(?:ministry|Ministry|government|Government|court|Court|military|Military|army|Army|police|Police|"
    r"agency|Agency|authority|Authority|team|Team|party|Party)"
    r"(?:\s+of\s+(?:[A-Z][\w’']*)(?:\s+(?:and\s+)?[A-Z][\w’']*)*)?"
)


def mentions(text):
    """(offset, Speaker) for each person or body the text names, in order."""
    found = []
    for match in ORG_RUN.finditer(text):
        speaker = parse(match.group())
        if speaker is not None and speaker.kind == "org":
            found.append((match.start(), speaker))
    # A body named after a person ("Imran Khan's party") names the person too.
    taken = [(offset, offset + len(s.name)) for offset, s in found if not re.search(r"['’]s\b", s.name)]
    for match in NAME_RUN.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        name = person_name(match.group())
        if len(name.split()) < 2:
            continue
        lead = text[max(0, match.start() - 80) : match.start() + match.group().rfind(name)]
        role = _preceding_role(lead, match.group()[: match.group().rfind(name)])
        found.append((match.start(), Speaker(name, role=role, kind="person", head=name.split()[-1])))
    found.sort(key=lambda item: item[0])
    return found


def _preceding_role(lead, inline):
    """The role an article gives a person just before the name: "jailed former
    prime minister Imran Khan", "Minister of Information and Broadcasting, Atta Tarar"."""
    titles = "|".join(sorted(ROLE_NOUNS))
    if inline.strip():
        return _role(inline)
    match = re.search(rf"((?:[\w’']+\s+){{0,5}}(?:{titles})(?:\s+of\s+[\w\s]+?)?)\s*,?\s*$", lead, re.I)
    if match:
        # Only the words that describe the person: "the party of jailed former prime minister" → "jailed former …".
        words = match.group(1).split()
        cut = max(
            (i + 1 for i, w in enumerate(words) if w.lower() in {"the", "a", "an", "of", "which", "by"}), default=0
        )
        title_at = next(i for i, w in enumerate(words) if w.lower().strip(",") in ROLE_NOUNS)
        return _role(" ".join(words[cut if cut <= title_at else 0 :]))
    return ""


# --- The story's speakers ------------------------------------------------------


@dataclass
class Match:
    name: str
    reason: str


class StorySpeakers:
    """The speakers a story already quotes (Quote.speaker), and how often, to
    match a new attribution with."""

    def __init__(self, names):
        self.counts = Counter(name for name in names if name)

    def match(self, speaker):
        """The story's name for `speaker` (a Speaker), with the reason; None when none fits."""
        if speaker is None:
            return None
        best = None
        for name, count in self.counts.most_common():
            reason = same(speaker, name)
            if reason and (best is None or count > best[1]):
                best = (name, count, reason)
                if reason == "the same name":
                    break
        if best is None:
            return None
        return Match(best[0], f"“{speaker.name}” → “{best[0]}”: {best[2]}")


def same(speaker, name):
    """Why the story's speaker `name` is `speaker` (a Speaker), or None when it is not."""
    key, other = fold(speaker.name), fold(name)
    if other == key:
        return "the same name"
    if speaker.kind == "person":
        return _same_person(key, other)
    if speaker.kind in ("org", "document"):
        return _same_body(speaker, key, other)
    if speaker.kind == "title":
        return _speaks_for(speaker, key, other)
    return None


def _speaks_for(title, key, other):
    """ "the interior minister" speaks for the "Interior Ministry": the body the title's other words name."""
    portfolio = {_canonical(w) for w in words_of(key) if w != title.head} - {""}
    body = set(words_of(other))
    if portfolio and "ministry" in body and portfolio <= {_canonical(w) for w in body}:
        return f"the {key} speaks for the {other.title()}"
    return None


def _same_person(key, other):
    mine, theirs = key.split(), other.split()
    if not theirs or any(w in ORG_HEADS for w in theirs):
        return None
    surname = fuzz.ratio(mine[-1], theirs[-1])
    if len(mine) == 1:
        return f"the surname of {other.title()}" if mine[0] == theirs[-1] else None
    if surname < 80:
        return None
    firsts = zip(mine[:-1], theirs[:-1], strict=False)
    if all(a.startswith(b) or b.startswith(a) or fuzz.ratio(a, b) >= 75 for a, b in firsts):
        if surname == 100:
            return "the same surname, and the first names are short and long forms of each other"
        return f"the surnames are spelling variants ({fuzz.ratio(key, other):.0f}% alike)"
    return None


def _same_body(speaker, key, other):
    theirs = set(words_of(other))
    if speaker.head and speaker.head not in theirs:
        return None
    if speaker.generic or speaker.kind == "document":
        return f"the story's {speaker.head or 'body'} of that kind" if speaker.head else None
    canon = {_canonical(w) for w in words_of(key)} - {""}
    if canon and canon == {_canonical(w) for w in theirs} - {""}:
        return "the same body under another form of its name (home affairs and interior are one portfolio)"
    if fuzz.token_sort_ratio(key, other) >= 90:
        return "a spelling variant of the same name"
    return None


def _canonical(word):
    word = _bare(word.translate(TYPOGRAPHIC))
    if COUNTRY_WORDS.match(word):
        return ""
    return SYNONYMS.get(word, word)
