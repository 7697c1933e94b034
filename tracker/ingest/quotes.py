"""The statements an article reports: direct quotes in quotation marks and
reported speech ("X said that …", "according to X, …"), each as character
offsets into the archived text, so its words are the article's by
construction, with the attribution that names its speaker.

Rules over punctuation and a list of speech verbs, not a trained model: each
finding can be explained by the words around it, and the rules were measured
against the seed articles (tests/test_ingest_scoring.py, docs/ingest.md).
"""

import re
from dataclasses import dataclass

from tracker.ingest import speakers
from tracker.ingest.speakers import Speaker

DIRECT, REPORTED = "direct", "reported"

# Finite forms that introduce what someone said, and their participles.
SPEECH_VERBS = [
    "said",
    "says",
    "stated",
    "states",
    "told",
    "tells",
    "added",
    "adds",
    "explained",
    "explains",
    "stressed",
    "stresses",
    "asserted",
    "asserts",
    "emphasized",
    "emphasised",
    "emphasizes",
    "emphasises",
    "argued",
    "argues",
    "claimed",
    "claims",
    "insisted",
    "insists",
    "noted",
    "notes",
    "warned",
    "warns",
    "announced",
    "announces",
    "confirmed",
    "confirms",
    "denied",
    "denies",
    "maintained",
    "maintains",
    "reported",
    "reports",
    "wrote",
    "writes",
    "underscored",
    "underscores",
    "highlighted",
    "highlights",
    "acknowledged",
    "acknowledges",
    "alleged",
    "alleges",
    "contended",
    "contends",
    "indicated",
    "indicates",
    "observed",
    "suggested",
    "suggests",
    "cited",
    "cites",
    "declared",
    "declares",
    "revealed",
    "reveals",
    "shared",
]
PARTICIPLES = [
    "explaining",
    "saying",
    "stating",
    "adding",
    "noting",
    "arguing",
    "insisting",
    "warning",
    "claiming",
    "citing",
    "stressing",
]
# Verbs after which the words said follow directly, without "that" ("Khan said the military …").
CLAUSE_VERBS = {"said", "says", "added", "adds", "wrote", "writes", "claimed", "claims", "argued", "argues"}
CLAUSE_VERBS |= {"insisted", "insists", "warned", "warns", "stated", "states", "announced", "announces"}
# Verbs whose object is what was said ("underscored the misuse of …", "cited security concerns").
OBJECT_VERBS = {"confirmed", "confirms", "underscored", "underscores", "highlighted", "highlights", "cited"}
OBJECT_VERBS |= {"cites", "denied", "denies", "acknowledged", "acknowledges", "revealed", "reveals"}
# A denial's statement is the denial itself, its subject included ("The military denies this charge").
DENIALS = {"denied", "denies"}
# A statement keeps the verb when the act is what was reported ("citing security reasons …").
KEEPS_VERB = {"cited", "cites", "citing"}
CONNECTIVES = re.compile(r"^(?:Consequently|Additionally|Moreover|Furthermore|Therefore|Also|It also|He also)\b,?\s*")
VERB = re.compile(r"\b(?:went on to (?:explain|say|add|note|stress)|" + "|".join(SPEECH_VERBS + PARTICIPLES) + r")\b")
# What may stand between a verb and the words said: "said on Wednesday", "confirmed yesterday".
ADVERBIAL = re.compile(
    r"^(?:\s*(?:on|last|this|earlier|late|early)\s+(?:\w+day|week|month|year|morning|evening|night)"
    r"(?:\s+(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{1,2})?"
    r"|\s*(?:yesterday|today|earlier|later|again|also|repeatedly|publicly|previously|recently)"
    r"|\s*in\s+(?:a|an|its|his|her|their|the)\s+(?:\w+\s+){0,3}(?:statement|interview|submission|filing|report|post|"
    r"letter|speech|briefing|conference)(?:\s+to\s+(?:the\s+)?[A-Z][\w\s]*?(?=\s+(?:that|on)\b))?)*\s*[:,]?\s*"
)
NOT_ENDING = PARTICIPLES + [
    "including",
    "according",
    "regarding",
    "concerning",
    "following",
    "during",
    "excluding",
    "notwithstanding",
]
# The reporter's own gloss closing a sentence: "…, confirming a long-suspected shutdown."
ENDS_STATEMENT = re.compile(r",\s+(?:further\s+|thus\s+)?(?!" + "|".join(NOT_ENDING) + r")\w+ing\b[^,]*$")
AUXILIARIES = re.compile(r"(?:\s+(?:has|have|had|been|also|further|then|later|again|would|will|had|once|later))+$")
ABBREVIATIONS = {"Feb", "Jan", "Mar", "Apr", "Aug", "Sept", "Sep", "Oct", "Nov", "Dec", "Mr", "Mrs", "Ms", "Dr"}
ABBREVIATIONS |= {"St", "No", "Gen", "Lt", "Col", "Sen", "Rep", "Gov", "U.S", "U.K", "Jr", "Sr", "Prof", "Inc"}
SENTENCE_END = re.compile(r"[.!?][\"”’')]*\s+(?=[\"“‘(]?[A-Z0-9])")
# What may follow the verb of an attribution that closes a sentence: "…, the ministry said in its report."
TRAILING_ADVERBIAL = r"(?:\s+(?:in|on|at|during|last|yesterday|today|earlier|later|to|of)\b.*)?\s*"
# What reported words open with: a clause, not a preposition ("argued against it").
CLAUSE_START = re.compile(
    r"\s*(?:(?i:the|a|an|it|its|he|she|they|there|this|these|those|his|her|their|no|not|all)\b|[A-Z0-9])"
)
MIN_WORDS = 4  # fewer quoted words are a term or a scare quote, not a statement
MIN_UNATTRIBUTED = 8  # a quoted fragment nobody is named for must be a sentence's worth


@dataclass
class Found:
    """One statement: `text[start:end]` of the archived text."""

    start: int
    end: int
    speech: str
    speaker: Speaker | None
    attribution: int  # where the words naming the speaker stand, for resolution
    cue: str = ""  # the attribution as printed: "the ministry said in its court submission"
    unclosed: bool = False  # a direct quote whose closing mark is missing


def find(text):
    """Every statement in `text`, in order of appearance."""
    direct = _direct_quotes(text)
    taken = [(found.start - 1, found.end + 1) for found in direct]
    reported = _reported(text, taken)
    return sorted(direct + reported, key=lambda found: found.start)


# --- Direct quotes ----------------------------------------------------------------


@dataclass
class Mark:
    at: int
    double: bool
    opens: bool


def _marks(text):
    """The quotation marks of `text`, each known to open or close; apostrophes are not marks."""
    marks = []
    for match in re.finditer(r"[\"“”„«»‘’']", text):
        char, at = match.group(), match.start()
        before = text[at - 1] if at else " "
        after = text[at + 1] if at + 1 < len(text) else " "
        double = char in '"“”„«»'
        if char in "“„«‘":
            opens = True
        elif char in "”»":
            opens = False
        elif char in "’'" and before.isalnum() and after.isalnum():
            continue  # an apostrophe: Pakistan’s, It's
        elif char in "’'":
            if before.isspace() or before in "([—-" or not at:
                opens = True if char == "'" and after.isalpha() else None
            else:
                opens = False if after.isspace() or after in ".,;:!?)—-" else None
            if opens is None:
                continue
        else:  # a straight double mark: its neighbours say which way it faces
            opens = before.isspace() or before in "([—-" or not at
            if opens and re.match(r"(?:said|says|added|told|stated)\b", text[at + 1 : at + 8]):
                opens = False  # `, "said Jafri`: a closing mark set before the space by mistake
            if opens and after.isspace():
                continue
        marks.append(Mark(at, double, opens))
    return marks


def _direct_quotes(text):
    found = []
    marks = _marks(text)
    i = 0
    while i < len(marks):
        mark = marks[i]
        if not mark.opens:
            i += 1
            continue
        close, i = _closing(text, marks, i)
        start = mark.at + 1
        end = close if close is not None else _paragraph_end(text, start)
        quote = _direct(text, start, end, close)
        if quote is not None:
            found.append(quote)
    return found


def _closing(text, marks, i):
    """The offset of the mark closing marks[i] (None when it is missing) and
    the index of the next mark to look at. A quotation continues over a
    paragraph break when the next paragraph opens with a mark of its own."""
    opening = marks[i]
    j = i + 1
    while j < len(marks):
        mark = marks[j]
        between = text[marks[j - 1].at : mark.at]
        if "\n" in text[opening.at : mark.at] and "\n" in between:
            paragraph_start = (
                mark.opens and mark.double == opening.double and not text[: mark.at].split("\n")[-1].strip()
            )
            if not paragraph_start:
                return None, j  # the paragraph ended with the quotation open
        if mark.double == opening.double and not mark.opens:
            return mark.at, j + 1
        if mark.double == opening.double and mark.opens and "\n" not in text[opening.at : mark.at]:
            return None, j  # a second opening in the same paragraph: the first never closed
        j += 1
    return None, j


def _paragraph_end(text, start):
    newline = text.find("\n", start)
    return len(text) if newline < 0 else newline


def _direct(text, start, end, close):
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;"):
        end -= 1
    words = text[start:end].split()
    if len(words) < MIN_WORDS or not re.search(r"[a-z]", text[start:end]):
        return None
    speaker, at, cue = _direct_attribution(text, start - 1, close if close is not None else end)
    if speaker is None and len(words) < MIN_UNATTRIBUTED:
        return None
    return Found(start, end, DIRECT, speaker, at, cue, unclosed=close is None)


def _direct_attribution(text, opening, close):
    """The speaker an attribution next to a quotation names: after it ("…,” the
    ministry said", "…,” said Saif Ali") or before it ("Saif Ali said: “…")."""
    after = text[close + 1 : close + 240].split("\n")[0]
    sentence = re.match(r"^[^.!?“\"]*", after).group()
    lead = re.match(r"^\s*,?\s*", sentence).end()
    verb = VERB.match(sentence, lead)
    if verb:  # "said marketing consultant Saif Ali."
        subject = re.split(r"\s+(?:in|on|at|during|after|before|when|while|which|who|to)\s+", sentence[verb.end() :])[0]
        speaker = speakers.parse(subject)
        if speaker is not None:
            return speaker, close + 1 + verb.end(), sentence.strip(" ,")
    verb = VERB.search(sentence)
    if verb and len(sentence[lead : verb.start()].split()) <= 8:
        speaker = speakers.parse(_subject(sentence[lead : verb.start()]))
        if speaker is not None:
            return speaker, close + 1 + lead, sentence.strip(" ,")
    floor = max(text.rfind("\n", 0, opening), _sentence_start(text, opening))
    before = text[floor + 1 if floor >= 0 else 0 : opening]
    verb = _last(VERB.finditer(before))
    # "Tarar said: “…", "Tarar said that “…", "Tarar said on Monday that “…",
    # and a quoted fragment ending the speaker's own clause, "Khilji said the
    # block “seemed designed …”": at most a few words between verb and mark.
    if verb is not None and re.fullmatch(r"(?:\s+[^\s.!?;:\"“”]+){0,6}?(?:\s+that)?\s*[:,]?\s*", before[verb.end() :]):
        speaker = speakers.parse(_subject(before[: verb.start()]))
        if speaker is not None:
            return speaker, floor + 1 + verb.start(), before.strip(" :,")
    return None, opening, ""


def _last(matches):
    found = None
    for found in matches:  # noqa: B007 - the last one is wanted
        pass
    return found


def _sentence_start(text, at):
    found = -1
    for match in SENTENCE_END.finditer(text, max(0, at - 600), at):
        if not _abbreviation(text, match.start()):
            found = match.end() - 1
    return found


def _abbreviation(text, dot):
    word = re.search(r"([\w.]+)$", text[max(0, dot - 8) : dot])
    return word is not None and word.group(1) in ABBREVIATIONS


def _subject(words):
    """The speaker's words in the clause before a speech verb: "ISLAMABAD:
    Pakistan’s interior ministry", "The Interior Ministry, in a written court
    submission," and "However, the interior minister" give the speaker only."""
    words = AUXILIARIES.sub("", words.rstrip())
    words = re.sub(r"\s+(?:has|have|had)$", "", words)
    appositive = ""
    if words.rstrip().endswith(","):  # a parenthetical between subject and verb
        inner = words.rstrip()[:-1]
        cut = inner.rfind(",")
        opening = inner[cut + 1 :].split()[:1] if cut >= 0 else []
        if opening and opening[0] in {"in", "on", "at", "during"}:
            words = inner[:cut]
        elif opening and opening[0] in {"a", "an", "the"}:  # "Abdul Moiz Jafri, a petitioner and advocate,"
            words, appositive = inner[:cut], inner[cut:]
    words = re.split(r",\s*|:\s+|\s+[-–—]\s+|;\s*|\bthat\s+|\(|\)", words)[-1]
    return " ".join(words.split()[-10:]) + appositive


# --- Reported speech ----------------------------------------------------------------


def _sentences(text):
    """(start, end) of each sentence, paragraph by paragraph."""
    for paragraph in re.finditer(r"[^\n]+", text):
        start = paragraph.start()
        for match in SENTENCE_END.finditer(text, paragraph.start(), paragraph.end()):
            if _abbreviation(text, match.start()):
                continue
            yield start, match.start() + 1
            start = match.end()
        if paragraph.end() > start:
            yield start, paragraph.end()


def _reported(text, taken):
    found = []
    paragraph_speaker = {}  # paragraph start → the speaker of its "according to"

    def overlaps(start, end):
        return any(a < end and start < b for a, b in taken) or any(f.start < end and start < f.end for f in found)

    def add(start, end, speaker, at, cue):
        start, end = _trim(text, start, end)
        if len(text[start:end].split()) >= 3 and not overlaps(start, end) and speaker is not None:
            found.append(Found(start, end, REPORTED, speaker, at, cue))
            return True
        return False

    for start, end in _sentences(text):
        sentence = text[start:end]
        paragraph = text.rfind("\n", 0, start) + 1
        if overlaps(start, end) and not _outside(taken, start, end):
            continue
        if _trailing(text, start, end, add):
            continue
        according = re.match(r"^(?:[A-Z]\w+,\s*)?[Aa]ccording to ([^,]{2,80}),\s*", sentence)
        if according:
            speaker = speakers.parse(according.group(1))
            if speaker is not None:
                _add_split(text, start + according.end(), end, speaker, start, according.group().strip(" ,"), add)
                paragraph_speaker[paragraph] = (speaker, start, according.group().strip(" ,"))
                continue
        if _cues(text, start, end, add):
            continue
        connective = CONNECTIVES.match(sentence)
        if connective and paragraph in paragraph_speaker and not VERB.search(sentence):
            speaker, at, cue = paragraph_speaker[paragraph]
            add(start + connective.end(), end, speaker, at, cue)
    return found


def _outside(taken, start, end):
    """Whether part of the sentence [start, end) lies outside every quotation."""
    inside = sum(max(0, min(b, end) - max(a, start)) for a, b in taken)
    return end - start - inside > 40


def _trim(text, start, end):
    cut = ENDS_STATEMENT.search(text[:end], start)
    if cut:
        end = cut.start()
    while start < end and text[start] in ' ,"“”':
        start += 1
    while end > start and text[end - 1] in ' .,;:!?"“”':
        end -= 1
    return start, end


def _trailing(text, start, end, add):
    """ "…within a week, said Abdul Moiz Jafri, a petitioner and advocate." and
    "…, the ministry report said.": the sentence before the attribution is
    what was said, and a participle after it ("…, citing security reasons")
    another statement of the same speaker."""
    sentence = text[start:end]
    commas = [m.start() for m in re.finditer(r",", sentence)]
    for comma in commas:
        rest = sentence[comma + 1 :]
        segment = re.split(r",", rest)[0]
        bare = segment.strip().strip('"“”').strip().rstrip(".!?")
        if len(bare.split()) > 12 or len(sentence[:comma].split()) < 4:
            continue
        verb = VERB.match(bare)
        according = re.match(r"^according to\s+(.+)$", bare)
        if according:
            subject = according.group(1)
        elif verb and verb.group() not in PARTICIPLES:
            subject = bare[verb.end() :]
            appositive = re.match(r"^,\s*((?:an?|the)\s+[^,.]+)", rest[len(segment) :])
            if appositive:
                subject += ", " + appositive.group(1)
        else:
            verb = _last(VERB.finditer(bare))
            if verb is None or verb.group() in PARTICIPLES or not re.fullmatch(r"[^,]*", bare[: verb.start()]):
                continue
            if not re.fullmatch(TRAILING_ADVERBIAL, bare[verb.end() :]):
                continue  # "…, the ministry argued against it": the verb has its own object
            subject = bare[: verb.start()]
        speaker = speakers.parse(re.split(r"\s+(?:in|on|at|during|which|who)\s+", subject.strip())[0])
        if speaker is None:
            continue
        cue = bare
        add(start, start + comma, speaker, start + comma + 1, cue)
        tail = re.search(r",\s*(" + "|".join(PARTICIPLES) + r")\b(\s+that)?", rest[len(segment) :])
        if tail:
            offset = start + comma + 1 + len(segment) + tail.start()
            begin = offset + (tail.start(1) - tail.start()) if tail.group(1) in KEEPS_VERB else None
            if begin is None:
                begin = offset + (tail.end() - tail.start())
            add(begin, end, speaker, start + comma + 1, cue)
        return True
    return False


def _add_split(text, start, end, speaker, at, cue, add):
    """Add [start, end) as reported speech, as two statements where it joins
    two clauses with their own subjects ("…, yet the platform exhibited …")."""
    join = re.search(r",\s+(?:yet|but|while|and)\s+(?=(?:the|a|an|it|he|she|they|[A-Z])\b)", text[start:end])
    if join:
        add(start, start + join.start(), speaker, at, cue)
        add(start + join.end(), end, speaker, at, cue)
    else:
        add(start, end, speaker, at, cue)


def _cues(text, start, end, add):
    """Reported speech introduced by a verb: "X said (that) …", "X stressed that
    …", "X confirmed yesterday …", "…, explaining that …"."""
    sentence = text[start:end]
    added = False
    for verb in VERB.finditer(sentence):
        word = verb.group()
        after = sentence[verb.end() :]
        if after[:1] in ":" and not re.match(r":\s*[\"“‘]", after):
            after_start = verb.end() + 1
        else:
            adverbial = ADVERBIAL.match(after)
            after_start = verb.end() + (adverbial.end() if adverbial else 0)
        rest = sentence[after_start:]
        if re.match(r"\s*[\"“‘]", rest) or re.match(r"\s*(?:by|to|as|with|in)\b", rest):
            continue  # a direct quote's attribution, or not speech ("reported problems")
        that = re.match(r"^(?:(?:\w+\s+){0,3}?)that\s+", rest)
        if word in PARTICIPLES:
            before = sentence[: verb.start()]
            if not before.rstrip().endswith(","):
                continue
            speaker = _first_speaker(before)
            subject_start = None
        else:
            subject = _subject(sentence[: verb.start()])
            speaker = speakers.parse(subject)
            subject_start = sentence.rfind(subject, 0, verb.start()) if subject else None
        if speaker is None:
            continue
        if that:
            begin = after_start + that.end()
        elif word in KEEPS_VERB:
            begin = verb.start()
        elif word in DENIALS and subject_start is not None and word not in PARTICIPLES:
            begin = subject_start
        elif (
            word in OBJECT_VERBS
            or word in CLAUSE_VERBS
            and re.match(CLAUSE_START, rest)
            and not re.match(r"\s*[A-Z]\w*\s*$", rest)
        ):
            begin = after_start
        else:
            continue
        if add(start + begin, end, speaker, start + verb.start(), sentence[: verb.end()].strip()):
            added = True
            break
    return added


def _first_speaker(words):
    """The first person or body a clause names: who a participle's words
    ("…, explaining that") belong to."""
    for offset, speaker in speakers.mentions(words):
        if not re.search(r"\b(?:in|to|by|from|with|at|of|on|for|against)\s+(?:the\s+)?$", words[:offset]):
            return speaker  # a subject, not the object of a preposition ("filed in court")
    for match in re.finditer(r"\b(?:the|The)\s+(?:\w+\s+)?(?:ministry|government|court|minister|report)\b", words):
        return speakers.parse(match.group())
    return None
