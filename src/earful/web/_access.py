"""Who may see what: one table of areas and the roles allowed into each.

Department users additionally see only their own department's insights, ledger rows and
the interactions those insights cite, and only redacted text; raw text is for admins and
analysts who ask for it.
"""

from __future__ import annotations

ALL = frozenset({"admin", "analyst", "department", "executive"})

AREAS: dict[str, frozenset[str]] = {
    "overview": ALL,
    "metrics": frozenset({"admin", "analyst"}),
    "staffing": frozenset({"admin", "analyst", "executive"}),
    "reasons": frozenset({"admin", "analyst", "executive"}),
    "insights": ALL,                                            # departments: their own only
    "insight_act": frozenset({"admin", "analyst", "department"}),
    "interactions": frozenset({"admin", "analyst", "executive"}),  # the list and search
    "interaction": ALL,                                         # departments: cited in their insights only
    "raw_text": frozenset({"admin", "analyst"}),
    "original_audio": frozenset({"admin", "analyst"}),          # unredacted recordings; others hear the beeped copy
    "ledger": ALL,                                              # departments: their own rows only
    "users": frozenset({"admin"}),
    "briefing": frozenset({"admin", "analyst", "executive"}),   # the month's briefing, as the report writes it
    "load": frozenset({"admin"}),                               # upload and load data
    "assess": frozenset({"admin", "analyst", "executive"}),     # the strategic assessment
    "assess_take": frozenset({"admin", "analyst"}),             # take a snapshot, answer its questions
}


def allowed(role: str | None, area: str) -> bool:
    """Whether a role may enter an area (unknown areas are closed)."""
    return role is not None and role in AREAS.get(area, frozenset())
