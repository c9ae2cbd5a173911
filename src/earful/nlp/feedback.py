"""Feedback type of a customer's words: churn_threat, complaint, request, praise, question, other.

Ordered cue rules (no training data exists for this in the centre) with the sentiment score as a
tie-breaker: a churn threat outranks a complaint, which outranks a request, praise and a
question; only a text with no cue at all is typed by its sentiment alone. Each cue list is part of the configuration, so a centre can extend it.

A cue counts only where it is meant: a negation just before it ("I'd *never* leave you for
Apple Music", "*not* great") cancels it, and every cue coordinated with it ("wasn't helpful *or* friendly",
"not always friendly *and* helpful"); a hedge before it in the same clause ("I *might* cancel",
"*thinking of* switching") makes a churn threat *hedged* (:func:`cue_strength`). Churn and praise
cues are read this way; a negated complaint word ("*never* rude") is no complaint only beside
firm praise.
:func:`testimonial_candidate` keeps praise a centre could quote: it names what was good, who
helped or how it ended, with no complaint beside it ("Thank you! :)" is not one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

FEEDBACK_TYPES = ("complaint", "request", "praise", "question", "churn_threat", "other")

CHURN_CUES = (
    r"\b(?:cancel|close|closing|terminat|delet|shut\w*\s+down)\w*\s+(?:my|our|an|the|this)\s+(?:\w+\s+){0,2}?"
    r"(?:account|subscription|contract|membership|plan|service)s?\b",
    r"\bget\s+rid\s+of\s+(?:the|my|this)\s+(?:account|subscription|contract|membership)",
    r"\bmov(?:e|ing)\s+my\s+(?:money|account|business|custom|savings)\b|\bswitch(?:ing)?\s+(?:banks|providers|carriers|networks)\b",
    r"\b(?:switch|switching|move|moving|leave|leaving)\s+(?:over\s+)?(?:to|for)\s+(?:another|a different|a new|(?-i:[A-Z][a-z]\w+(?!\s+(?:to|at|in|on)\b)))"
    r"(?!\s+(?:station|airport|work|school|home|office|store|shop|branch))",
    r"\bleav(?:e|ing)\s+(?:you|your bank|your company|this bank|for good)\b",
    r"\btak(?:e|ing)\s+my\s+(?:business|money|custom)\s+(?:elsewhere|somewhere else)",
    r"\b(?:never|won't|will not|not going to)\s+(?:use|buy from|bank with|fly with|order from|shop with)\s+(?:you|them|this|your)",
    r"\b(?:i'?m|i am)\s+done\s+with\s+(?:you|this|your)", r"\b(?:that|this)\s+(?:was|is|will\s+be)\s+the\s+last\s+time\s+i\b|\blast\s+time\s+i\s+(?:will|ever|'ll)\b",
    r"\b(?:don'?t|do not) want to be (?:a|your) customer|\bno longer (?:be )?(?:a|your) customer", r"\bfind\s+(?:another|a new|a different)\s+(?:bank|provider|company|carrier)",
)
COMPLAINT_CUES = (
    r"\b(?:still\s+(?:waiting|not|haven'?t|hasn'?t|no)|not\s+(?:working|received|arrived|happy|acceptable|good enough)|"
    r"doesn'?t\s+work|does not work|didn'?t\s+(?:work|arrive|receive|get)|never\s+(?:arrived|received|came|got))\b",
    r"\b(?:unacceptable|ridiculous|terrible|horrible|awful|worst|disgusting|appalling|useless|pathetic|outrageous|"
    r"disappointed|disappointing|frustrat\w+|annoy\w+|fed up|sick of|rip[- ]?off|scam|incompetent|rude|shocking)\b",
    r"\b(?:charged\s+(?:me\s+)?(?:twice|double|wrong\w*|again|extra|for nothing)|overcharged|double charged|wrong\s+(?:amount|item|size|order))",
    r"\b(?:complain\w*|complaint)\b", r"\b(?:broken|damaged|faulty|defective|declined again|keeps?\s+(?:crashing|failing|declining))\b",
    r"\bno\s+one\s+(?:is\s+)?(?:respond|answer|help|get)\w*", r"\bwhy\s+(?:is|does|do|was|has|have)\s+(?:it|this|my)\s+(?:still|always|never)",
)
REQUEST_CUES = (
    r"\b(?:please\s+(?:add|make|bring|consider|allow|let|introduce|support|offer)|could you\s+(?:add|make|introduce|support|offer)|"
    r"can you\s+(?:add|make|introduce|support)|you should\s+(?:add|have|make|offer|allow|let)|it would be (?:great|nice|good|helpful) if|"
    r"would (?:love|like) (?:it )?(?:if|to see|to be able)|i wish (?:you|there|i could|it)|feature request|"
    r"why (?:can'?t|don'?t) you (?:add|have|offer|support|let)|is there any plan|any plans? to|suggestion)\b",
)
PRAISE_CUES = (
    r"\b(?:thank you so much|thanks so much|thanks a lot|many thanks|much appreciated|really appreciate|great (?:job|service|help|work)|"
    r"excellent|amazing|awesome|fantastic|brilliant|wonderful|superb|outstanding|love (?:it|this|the|your|you)|"
    r"you(?:'re| are) the best|well done|kudos|shout ?out|so helpful|very helpful|super helpful|impressed|best (?:bank|service|app|airline))\b",
    r"\b(?:helpful|lovely|delicious|friendly|pleasant|wonderful|responsive|courteous)\b",
    r"\bgreat\s+(?:\w+\s+){0,2}?(?:job|service|help|work|crew|staff|flight|experience|people|attendants?|team|food)\b",
    r"\bbest\s+(?:\w+\s+){0,3}?(?:ever|i(?:'ve| have) (?:ever )?had)\b",
)
QUESTION_CUES = (
    r"\?",
    r"^(?:how|what|when|where|why|who|which|can|could|is|are|do|does|did|will|would|should|may|have|has)\b",
    r"\b(?:i (?:want|would like|need) to know|wondering|can you tell me|could you tell me|how (?:do|can|long|much))\b",
)


# What makes praise quotable (a testimonial candidate): it names who helped, what was good, or
# how it ended. Each list is configuration, like the cue lists above.
TESTIMONIAL_WHO = (
    r"\b(?:agent|advis[eo]r|rep|representative|staff|team|crew|employee|pilot|co-?pilot|attendant|driver|manager|"
    r"cashier|colleague|engineer|technician|associate|lady|gentleman)s?\b",
    r"\[NAME\]", r"(?-i:\b[A-Z][a-z]{2,}\b)(?:\s+(?-i:[A-Z][a-z]+))?\s+(?:was|were|is|has been|went)\b",
    r"\b(?:called|named)\s+(?-i:[A-Z][a-z]+)", r"\bthank(?:s| you)(?: so much| very much)?,\s+(?-i:[A-Z][a-z]{2,})\b",
)
TESTIMONIAL_WHAT = (
    r"\b(?:service|delivery|flight|food|meal|app|product|experience|call|trip|ride|order|"
    r"stay|room|drinks?|cabin|seat|upgrade|offer|price|quality|fix|advice|care|kindness|patience|club|lounge|burger|"
    r"fries|coffee|store|shop|branch)\b",
    r"\b(?:quick(?:ly)?|fast|speedy|patient|efficient|professional|knowledgeable|polite|courteous|friendly)\b",
)
TESTIMONIAL_OUTCOME = (
    r"\b(?:sorted|fixed|resolved|solved|refund(?:ed)?|arrived|replaced|found|tracked down|on time|straight away|"
    r"right away|same[- ]day|in minutes|works? (?:now|again|perfectly)|back (?:up|on(?:line)?)|safe and sound|"
    r"made (?:my|our|a bad)|saved)\b",
)
# Help in general: specific enough beside praise of its own ("so helpful", "excellent"), not
# beside thanks alone ("Thank you so much for your help").
TESTIMONIAL_GENERIC = (r"\b(?:help|support|response|reply|assistance)\b",)
THANKS_CUES = (r"\b(?:thank you so much|thanks so much|thanks a lot|many thanks|much appreciated|really appreciate)\b",)
# Words that make "thank you" sarcastic or a complaint's sign-off: sour words, praise said flat
# as a sentence of its own ("... to the new landlord. Amazing. Had to use ..."), something found
# in the food, a thing that is "not my favourite".
SOUR_CUES = (
    r"\b(?:ruin\w*|suck\w*|worst|terrible|horrible|awful|useless|pathetic|joke|morons?|idiots?|wtf|ffs|smh|"
    r"for nothing|not helpful|unhelpful|never again|nightmare|disaster|crooks?|liars?|waste)\b",
    r"(?:^|[.!?]\s+)(?:amazing|brilliant|great|lovely|fantastic|wonderful|perfect|awesome|excellent|superb|"
    r"marvell?ous|nice|cheers)\.(?!\.)",
    r"\bfound\s+(?:a|an|this|some|these)\b[^.!?]{0,50}\bin\s+(?:my|our|the)\b",
    r"\bnot\s+(?:my|our)\s+(?:fave?|favou?rite)\b",
    r"\bdisgust\w*|\bf(?:ou|i)nd\w*\s+(?:\w+\s+){0,3}?in\s+(?:my|our|the)\s+(?:food|meal|salad|burrito|bowl|sandwich|drink|coffee|order)\b",
)
# Sarcasm: praise beside a bad outcome or a leaving statement ("AMAZING customer service, you
# have just lost 2 customers", "great job ..., oh wait, you don't. Never coming back"), thanks
# for nothing, a thinking or eye-rolling face after praise.
SARCASM_CUES = (
    r"\boh\s+wait\b|\bthanks?\s+(?:you\s+)?for\s+nothing\b|#thanksnothanks|\bno\s+thanks\s+to\b|\byeah,?\s+right\b|\bironic",
    r"\blost\s+(?:\d+|a|two|three|four|another|some|(?:a\s+)?loyal)?\s*(?:loyal\s+)?customers?\b|\bnever\s+(?:coming|going)\s+back\b",
    "[\U0001F914\U0001F644\U0001F612\U0001F611\U0001F624\U0001F620\U0001F621\U0001F92C\U0001F44E\U0001F595]",
)
# Praise that is not specific however it is worded: thanks for a quick reply (bare thanks in a
# support exchange), praise of the brand or its whole product as such ("one of the best apps in
# the world", "my favourite airline"). These spans are set aside before looking for what was good.
NOT_SPECIFIC = (
    r"\b(?:quick|fast|speedy|prompt|swift|timely)(?:ly)?\s+(?:\w+\s+)?(?:responses?|repl(?:y|ies)|actions?|answers?|turnaround|reaction)\b",
    r"\b(?:respon\w+|repl\w+|answer\w*|getting\s+back(?:\s+to\s+me)?)\s+(?:so\s+|very\s+)?(?:quick(?:ly)?|fast|promptly|swiftly)\b",
    r"\b(?:one\s+of\s+)?(?:the\s+|my\s+)?(?:best|greatest|favou?rite|great|amazing|awesome|excellent)\s+(?:\w+\s+)?"
    r"(?:apps?|airlines?|banks?|compan(?:y|ies)|brands?|platforms?|networks?|carriers?|places?|restaurants?|spots?)\b"
    r"(?:\s+(?:in\s+the\s+world|ever|around|in\s+town|out\s+there))?",
    r"\blov(?:e|ing)\s+(?:your|the|this|my\s+new)\s+(?:apps?|airline|company|brand|place|phone)\b",
)
# A company speaking (an award, its customers, its partners), not a customer's testimonial.
COMPANY_VOICE = (
    r"\bour\s+(?:customers|clients|guests|shoppers|partners?|awards?|fans|followers|suppliers)\b",
    r"\bwe(?:'re|'ve| are| have| were| feel)\s+(?:so\s+|very\s+|truly\s+)?(?:honou?red|proud|delighted|thrilled)\b",
    r"(?:@\w+[\s,]+){5}",
)


def testimonial_candidate(text: str | None, praise: re.Pattern[str] | None = None,
                          complaint: re.Pattern[str] | None = None, min_words: int = 6,
                          churn: re.Pattern[str] | None = None) -> bool:
    """Specific praise with wording a centre could quote (with the customer's consent): a praise
    cue that is neither negated nor hedged, at least ``min_words`` words, naming who helped, what
    was good or how it ended.

    Vetoed by anything beside it that makes the praise a foil or not a customer's: a question, a
    complaint, churn (even hedged) or sour word, sarcasm, another sentence that reads strongly
    negative, a company speaking. Thanks for a quick reply and praise of the brand or its whole
    product as such name nothing; help in general ("your help", "the reply") counts only beside
    praise other than thanks."""
    if not text or "?" in text:
        return False
    text = text.replace("’", "'")  # the cues spell apostrophes straight
    praise = praise or _compile(PRAISE_CUES)
    complaint = complaint or _compile(COMPLAINT_CUES)
    churn = churn or _CHURN
    if cue_strength(praise, text) != "firm" or _complains(complaint, praise, text) or _SOUR.search(text):
        return False
    if _SARCASM.search(text) or _COMPANY.search(text) or cue_strength(churn, text):
        return False
    if len(_WORD_RE.findall(_HANDLE_OR_LINK.sub(" ", text.lower()))) < min_words:
        return False
    if _negative_sentence(text, praise):
        return False
    said = _blank(_NOT_SPECIFIC, text)
    if _SPECIFIC.search(said):
        return True
    return bool(_GENERIC.search(said)) and cue_strength(praise, _blank(_THANKS, said)) == "firm"


def _complains(complaint: re.Pattern[str], praise: re.Pattern[str], text: str) -> bool:
    """Whether ``text`` complains: a complaint cue that is not negated, or a negated one without
    firm praise beside it. Customers complain of what did not happen too ("nice if the book
    wasn't damaged", "don't complain a lot but ..."); beside praise a negated complaint word is
    part of the praise ("never rude or slow", "not disappointed, the crew were lovely")."""
    text = text.replace("’", "'")  # the cues spell apostrophes straight
    if not complaint.search(text):
        return False
    return bool(cue_strength(complaint, text)) or cue_strength(praise, text) != "firm"


def _blank(pattern: re.Pattern[str], text: str) -> str:
    """``text`` with each match of ``pattern`` spaced out (positions hold)."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+|,?\s+but\s+")


def _negative_sentence(text: str, praise: re.Pattern[str], below: float = -0.5) -> bool:
    """Whether a sentence (or a clause after "but") without praise reads strongly negative
    (VADER's compound score at or below ``below``): the praise beside it is a foil."""
    from earful.nlp.sentiment import default_scorer

    parts: list[str] = []
    for part in _SENTENCE_END.split(_HANDLE_OR_LINK.sub(" ", text)):
        if parts and not re.search(r"[^\W\d_]", part):  # emoji or a sign alone belong to the sentence before
            parts[-1] += " " + part
        elif part.strip():
            parts.append(part)
    plain = [p for p in parts if not praise.search(p)]
    return bool(plain) and bool((default_scorer("vader").score(plain) <= below).any())


# A negation cancels a cue when it stands within a few words before it, with nothing but these
# between ("never *really* leave", "not going to cancel", "wasn't very helpful"); a subject in
# between belongs to another verb ("if this isn't sorted I'm closing my account").
NEGATORS = frozenset("""never not no nothing nobody none neither nor hardly without n't won't wouldn't don't doesn't
didn't isn't wasn't aren't weren't cannot can't couldn't shouldn't ain't dont doesnt didnt isnt wasnt wont wouldnt cant
couldnt""".split())
_NEGATION_GAP = frozenset("""going gonna to want wanna plan planning ever even really be been have had so very that too
the a an your you exactly quite particularly any at all anything for always""".split())
HEDGES = frozenset("""might may maybe perhaps possibly probably thinking considering consider tempted could guess wondering
likely unless whether""".split())
_CLAUSE_END = re.compile(r"[.!?;:\n]|,\s*(?:but|and|so)\b|\bbut\b")
_WORD_RE = re.compile(r"[a-z]+(?:['’][a-z]+)?")
_SUBJECTS = frozenset("i i'm i’m im i'll i’ll ill i'd i’d id i've i’ve we we're we'll he she they it this that".split())


def _words_before(text: str, start: int) -> list[str]:
    """The words of the clause before ``start``, nearest first, lower case."""
    head = text[:start]
    cut = [m.end() for m in _CLAUSE_END.finditer(head.lower())]
    return [w.replace("’", "'") for w in _WORD_RE.findall(head[cut[-1] if cut else 0:].lower())][::-1]


def _negated(before: list[str], window: int = 4) -> bool:
    for w in before[:window]:
        if w in NEGATORS or w.endswith("n't"):
            return True
        if w in _SUBJECTS or w not in _NEGATION_GAP:
            return False
    return False


# A negation governs a coordinated list of cues ("wasn't helpful *or* friendly", "neither X *nor* Y",
# "not X, Y or Z", "not always friendly *and* helpful", "won't cancel my plan or switch to Y"): a
# cue joined to a negated cue by a comma or a coordinator alone (an intensifier may stand between)
# is negated with it. Only like with like: "no problems and helpful staff" stays praise.
_COORDINATED = re.compile(r"\s*(?:,\s*)?(?:(?:or|nor|and|and/or)\s+)?(?:(?:very|so|too|really|particularly|especially|"
                          r"always|even|that|quite|overly|remotely|exactly)\s+)*", re.IGNORECASE)


def _hedged(before: list[str], window: int = 6) -> bool:
    return any(w in HEDGES for w in before[:window])


def cue_strength(pattern: re.Pattern[str], text: str | None) -> str | None:
    """``"firm"`` when a match of ``pattern`` in ``text`` is neither negated nor hedged,
    ``"hedged"`` when the only ones left are hedged, None when there is none or each is negated.

    A match is negated by a negator a few words before it in its clause, or by being coordinated
    with a negated match ("neither friendly nor helpful", "wasn't helpful, polite or quick")."""
    if not text:
        return None
    found = None
    text = text.replace("’", "'")  # same length: positions hold
    negated_end = -1  # where the last negated cue ended
    for m in pattern.finditer(text):
        before = _words_before(text, m.start())
        if _negated(before) or (negated_end >= 0 and _COORDINATED.fullmatch(text, negated_end, m.start())):
            negated_end = m.end()
            continue
        negated_end = -1
        if not _hedged(before):
            return "firm"
        found = "hedged"
    return found


def _compile(cues: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{c})" for c in cues), re.IGNORECASE | re.MULTILINE)


_SOUR = _compile(SOUR_CUES)
_SARCASM = _compile(SARCASM_CUES)
_COMPANY = _compile(COMPANY_VOICE)
_NOT_SPECIFIC = _compile(NOT_SPECIFIC)
_CHURN = _compile(CHURN_CUES)
_SPECIFIC = _compile(TESTIMONIAL_WHO + TESTIMONIAL_WHAT + TESTIMONIAL_OUTCOME)
_GENERIC = _compile(TESTIMONIAL_GENERIC)
_THANKS = _compile(THANKS_CUES)
_HANDLE_OR_LINK = re.compile(r"@\w+|https?://\S+")


class FeedbackClassifier:
    """Label each text with one of ``FEEDBACK_TYPES`` from ordered cue rules plus sentiment.

    ``negative_below`` / ``positive_above``: sentiment scores that make an otherwise cue-less
    text a complaint or praise (sentiment in [-1, 1], optional).
    """

    def __init__(self, churn_cues: Sequence[str] = CHURN_CUES, complaint_cues: Sequence[str] = COMPLAINT_CUES,
                 request_cues: Sequence[str] = REQUEST_CUES, praise_cues: Sequence[str] = PRAISE_CUES,
                 question_cues: Sequence[str] = QUESTION_CUES, negative_below: float = -0.8,
                 positive_above: float = 0.8, min_words_for_sentiment: int = 4) -> None:
        self.churn_cues = churn_cues
        self.complaint_cues = complaint_cues
        self.request_cues = request_cues
        self.praise_cues = praise_cues
        self.question_cues = question_cues
        self.negative_below = negative_below
        self.positive_above = positive_above
        self.min_words_for_sentiment = min_words_for_sentiment

    def fit(self, texts: Sequence[str] | None = None, y: object = None) -> "FeedbackClassifier":
        """Compile the cue rules (nothing is learned from data)."""
        self.patterns_ = {name: _compile(getattr(self, f"{name}_cues"))
                          for name in ("churn", "complaint", "request", "praise", "question")}
        return self

    def predict(self, texts: Sequence[str | None], sentiment: Sequence[float] | None = None) -> list[str]:
        """One feedback type per text."""
        if not hasattr(self, "patterns_"):
            self.fit()
        p = self.patterns_
        sent = np.full(len(texts), np.nan) if sentiment is None else np.asarray(sentiment, dtype=float)
        out = []
        for text, s in zip(texts, sent):
            if not text or not text.strip():
                out.append("other")
            elif cue_strength(p["churn"], text):
                out.append("churn_threat")
            elif _complains(p["complaint"], p["praise"], text):
                out.append("complaint")
            elif p["request"].search(text):
                out.append("request")
            elif cue_strength(p["praise"], text) == "firm" and not (s < self.negative_below):
                out.append("praise")
            elif p["question"].search(text.strip()):
                out.append("question")
            elif s < self.negative_below and len(text.split()) >= self.min_words_for_sentiment:
                out.append("complaint")
            elif s > self.positive_above and len(text.split()) >= self.min_words_for_sentiment:
                out.append("praise")
            else:
                out.append("other")
        return out

    def churn_strength(self, texts: Sequence[str | None]) -> list[str | None]:
        """Per text: ``"firm"`` (a churn threat), ``"hedged"`` ("I might cancel"), or None."""
        if not hasattr(self, "patterns_"):
            self.fit()
        return [cue_strength(self.patterns_["churn"], t) for t in texts]

    def testimonials(self, texts: Sequence[str | None]) -> list[bool]:
        """Per text: whether it is a testimonial candidate (:func:`testimonial_candidate`)."""
        if not hasattr(self, "patterns_"):
            self.fit()
        return [testimonial_candidate(t, self.patterns_["praise"], self.patterns_["complaint"], churn=self.patterns_["churn"])
                for t in texts]

    transform = predict
