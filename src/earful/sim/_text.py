"""Words for simulated contacts: real BANKING77 customer utterances, agent turns, planted PII.

Customer words come from BANKING77 (CC BY 4.0, see data/README.md); the agent's side,
survey comments, churn threats and praise are short templates written for earful.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

_DATA = Path(__file__).with_name("data") / "banking77_utterances.json"


@lru_cache(maxsize=1)
def utterances() -> dict[str, tuple[str, ...]]:
    """BANKING77 utterances by intent (the 77 intents are the simulator's contact reasons)."""
    with open(_DATA, encoding="utf-8") as f:
        return {k: tuple(v) for k, v in json.load(f).items()}


GREETINGS = (
    "Thank you for calling. How can I help you today?",
    "Good {part}, you're through to customer services. What can I do for you?",
    "Hello, cards and payments team speaking. How can I help?",
)
CHAT_GREETINGS = (
    "Hi, thanks for getting in touch. How can I help you today?",
    "Hello! You're chatting with our support team. What can I do for you?",
)
CHECKS = (
    "I'm sorry to hear that. Let me have a look at your account.",
    "Thanks for explaining. Bear with me while I check that for you.",
    "I understand. Let me pull up the details.",
    "Of course, one moment while I look into it.",
)
RESOLVED = (
    "I've sorted that out for you now, you should see it updated shortly.",
    "That's done. Everything should be back to normal.",
    "I've fixed that on our side. Is there anything else I can help with?",
    "All done, I've made the change on your account.",
)
UNRESOLVED = (
    "I'm afraid I can't fix this today. I've raised a ticket and someone will get back to you.",
    "I need to pass this to another team; they'll be in touch within a few days.",
    "Unfortunately I can't see what's happened yet. Please check again tomorrow.",
)
TRANSFER = (
    "I'm going to transfer you to a specialist team who can help with this.",
    "Let me put you through to the team that deals with this.",
)
CLOSINGS = (
    "Thank you for contacting us. Have a good day.",
    "Thanks for your patience. Goodbye.",
    "Thanks, take care.",
)
CUSTOMER_END = ("Okay, thanks.", "Alright, thank you.", "Thanks for your help.", "Okay. Bye.")

# What the QA rubric listens for (docs/simulator.md, "Quality"): each planted behaviour leaves one of
# these out, or says one of the rude lines.
RECORDING = (
    "This call is recorded for quality and training purposes.",
    "Just so you know, calls are recorded and monitored.",
)
VERIFY_ASK = (
    "Before I go into your account, can you confirm your date of birth and postcode for security?",
    "For security, before I open your account, could you confirm your full name and date of birth?",
)
VERIFY_CHAT_ASK = (
    "Before I go into your account, please confirm your date of birth in the secure form.",
    "For security, can you confirm your full name and the postcode on your account?",
)
VERIFY_REPLY = ("Sure, I've entered them on the keypad.", "Yes, go ahead, I've typed them in.")
VERIFY_CHAT_REPLY = ("Done, I've filled in the secure form.", "Sure, I've sent them in the form.")
VERIFIED = ("Great, that's you verified.", "Good, you're through security.")
UNVERIFIED = "Let me have a look at your account."
RUDE = ("Calm down. Let me check.", "I already told you, let me check.", "That's not my problem, but let me check.")
HOLD_ASK = "Would you mind if I put you on a short hold while I check that?"
HOLD_OK = ("Sure, that's fine.", "Okay.")
HOLD_THANKS = "Thank you for holding."
HOLD_SILENT = "Let me check that."
ANYTHING_ELSE = ("Is there anything else I can help you with today?", "Can I help with anything else?")
CHAT_NO_GREETING = ("What's the problem?", "Go ahead.")
SOCIAL_VERIFIED = "We've checked your details by DM."
EMAIL_REPLIES = (
    "Dear customer,\n\nThank you for your message. {outcome}\n\nKind regards,\nCustomer Support",
    "Hello,\n\nThanks for getting in touch. {outcome}\n\nBest wishes,\nThe Support Team",
)
SHORT_REPLIES = (
    "Sorry about this. {outcome}",
    "Thanks for letting us know. {outcome}",
)

CHURN = (
    "If this isn't sorted this week I'm closing my account.",
    "Honestly I'm thinking of moving my money to Northwind Bank.",
    "This is the last straw, I'm going to cancel my account and switch banks.",
    "I've had enough, I'll be leaving for Fernleaf Bank if this happens again.",
)
PRAISE = (
    "You've been brilliant, thank you so much, best service I've had from a bank.",
    "Really impressed, thanks for being so helpful and quick.",
    "That was excellent service, I'll be recommending you to my friends.",
    "Thank you, you've been fantastic today.",
)
SURVEY_LOW = (
    "Waited far too long and my problem still isn't fixed.",
    "Nobody could help me.",
    "Very slow and I had to explain everything twice.",
    "Not happy with how this was handled.",
)
SURVEY_MID = ("It was okay.", "Fine, but took a while.", "Got there in the end.")
SURVEY_HIGH = (
    "Quick and helpful, thank you.",
    "The agent was lovely and sorted it straight away.",
    "Great service.",
    "Very easy, thanks.",
)

FIRST = ("James", "Olivia", "Mohammed", "Sophie", "Daniel", "Aisha", "Thomas", "Emma", "Lukas",
         "Priya", "Jack", "Chloe", "Mateo", "Hannah", "Samuel", "Grace", "Oliver", "Zara")
LAST = ("Smith", "Khan", "Jones", "Novak", "Williams", "Brown", "Garcia", "Taylor", "Murphy",
        "Patel", "Wilson", "Kowalski", "Evans", "Okafor", "Walker", "Rossi", "Clarke", "Hughes")


def luhn_complete(digits: str) -> str:
    """Append the Luhn check digit to ``digits`` (the card-number checksum)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # these get doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return digits + str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """True when the digits of ``number`` pass the Luhn check."""
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return len(digits) >= 12 and total % 10 == 0


def make_pii(rng: np.random.Generator) -> tuple[str, str, str]:
    """One piece of PII: (kind, value, the sentence a customer would say it in)."""
    kind = ("name", "phone", "email", "card", "account")[int(rng.integers(5))]
    first, last = FIRST[int(rng.integers(len(FIRST)))], LAST[int(rng.integers(len(LAST)))]
    if kind == "name":
        value = f"{first} {last}"
        return kind, value, f"My name is {value}."
    if kind == "phone":
        value = "07700 9" + "".join(str(int(d)) for d in rng.integers(0, 10, 5))
        return kind, value, f"You can call me back on {value}."
    if kind == "email":
        value = f"{first.lower()}.{last.lower()}{int(rng.integers(10, 99))}@example.com"
        return kind, value, f"My email is {value}."
    if kind == "card":
        body = "4" + "".join(str(int(d)) for d in rng.integers(0, 10, 14))
        full = luhn_complete(body)
        value = " ".join(full[i:i + 4] for i in range(0, 16, 4))
        return kind, value, f"The card number is {value}."
    value = "".join(str(int(d)) for d in rng.integers(0, 10, 8))
    return kind, value, f"My account number is {value}."


def pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    """One of ``options``, uniformly (``rng.random`` is much faster than ``rng.integers`` per call)."""
    return options[int(rng.random() * len(options))]
