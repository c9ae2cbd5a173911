"""Feedback type of a customer's words: churn_threat, complaint, request, praise, question, other.

Ordered cue rules (no training data exists for this in the centre) with the sentiment score as a
tie-breaker: a churn threat outranks a complaint, which outranks a request, praise and a
question; only a text with no cue at all is typed by its sentiment alone. Each cue list is part of the configuration, so a centre can extend it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

FEEDBACK_TYPES = ("complaint", "request", "praise", "question", "churn_threat", "other")

CHURN_CUES = (
    r"\b(?:cancel|close|closing|terminate|end)\w*\s+(?:my|our|the)\s+(?:account|subscription|contract|membership|card|plan|service)",
    r"\b(?:switch|switching|move|moving|go|going|leave|leaving)\s+(?:over\s+)?(?:to|for)\s+(?:another|a different|a new|[A-Z]\w+)",
    r"\bleav(?:e|ing)\s+(?:you|your bank|your company|this bank|for good)\b",
    r"\btak(?:e|ing)\s+my\s+(?:business|money|custom)\s+(?:elsewhere|somewhere else)",
    r"\b(?:never|won't|will not|not going to)\s+(?:use|buy from|bank with|fly with|order from|shop with)\s+(?:you|them|this|your)",
    r"\b(?:i'?m|i am)\s+done\s+with\s+(?:you|this|your)", r"\blast\s+time\s+i\s+(?:use|order|buy|fly)",
    r"\bunsubscribe\b", r"\bfind\s+(?:another|a new|a different)\s+(?:bank|provider|company|carrier)",
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
)
QUESTION_CUES = (
    r"\?",
    r"^(?:how|what|when|where|why|who|which|can|could|is|are|do|does|did|will|would|should|may|have|has)\b",
    r"\b(?:i (?:want|would like|need) to know|wondering|can you tell me|could you tell me|how (?:do|can|long|much))\b",
)


def _compile(cues: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{c})" for c in cues), re.IGNORECASE | re.MULTILINE)


class FeedbackClassifier:
    """Label each text with one of ``FEEDBACK_TYPES`` from ordered cue rules plus sentiment.

    ``negative_below`` / ``positive_above``: sentiment scores that make an otherwise cue-less
    text a complaint or praise (sentiment in [-1, 1], optional).
    """

    def __init__(self, churn_cues: Sequence[str] = CHURN_CUES, complaint_cues: Sequence[str] = COMPLAINT_CUES,
                 request_cues: Sequence[str] = REQUEST_CUES, praise_cues: Sequence[str] = PRAISE_CUES,
                 question_cues: Sequence[str] = QUESTION_CUES, negative_below: float = -0.8,
                 positive_above: float = 0.8) -> None:
        self.churn_cues = churn_cues
        self.complaint_cues = complaint_cues
        self.request_cues = request_cues
        self.praise_cues = praise_cues
        self.question_cues = question_cues
        self.negative_below = negative_below
        self.positive_above = positive_above

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
            elif p["churn"].search(text):
                out.append("churn_threat")
            elif p["complaint"].search(text):
                out.append("complaint")
            elif p["request"].search(text):
                out.append("request")
            elif p["praise"].search(text) and not (s < self.negative_below):
                out.append("praise")
            elif p["question"].search(text.strip()):
                out.append("question")
            elif s < self.negative_below:
                out.append("complaint")
            elif s > self.positive_above:
                out.append("praise")
            else:
                out.append("other")
        return out

    transform = predict
