"""Who may see what: one table of areas and the roles allowed into each.

Department users additionally see only their own department's insights, ledger rows and
the interactions those insights cite, and only redacted text; raw text is for admins and
analysts who ask for it. A supervisor sees the agents of their team (``agent_teams``) and their
interactions; an agent sees only their own page and their own interactions.
"""

from __future__ import annotations

ALL = frozenset({"admin", "analyst", "department", "executive", "supervisor"})  # not agents: they see their own page

AREAS: dict[str, frozenset[str]] = {
    "overview": ALL,
    "me": ALL | {"agent"},                                      # who am I, and the session's form token
    "metrics": frozenset({"admin", "analyst"}),
    "staffing": frozenset({"admin", "analyst", "executive"}),
    "planning": frozenset({"admin", "analyst", "executive"}),
    "reasons": frozenset({"admin", "analyst", "executive"}),
    "insights": ALL,                                            # departments: their own only
    "insight_act": frozenset({"admin", "analyst", "department"}),
    "interactions": frozenset({"admin", "analyst", "executive"}),  # the list and search
    "interaction": ALL | {"agent"},                             # departments: cited in their insights only;
                                                                # supervisors: their team's; agents: their own
    "raw_text": frozenset({"admin", "analyst"}),
    "original_audio": frozenset({"admin", "analyst"}),          # unredacted recordings; others hear the beeped copy
    "ledger": ALL,                                              # departments: their own rows only
    "users": frozenset({"admin"}),
    "qa": frozenset({"admin", "analyst", "supervisor", "executive"}),  # supervisors: their team's figures
    "qa_calibration": frozenset({"admin", "analyst"}),
    "surveys": frozenset({"admin", "analyst", "executive"}),
    "detractors": frozenset({"admin", "analyst"}),              # customer ids, for the call back
    "agents": frozenset({"admin", "analyst", "supervisor", "agent"}),  # supervisors: their team; agents: themselves
    "contacts": frozenset({"admin", "analyst", "executive"}),  # the contacts behind a figure (no customer ids)
    "service_settings": frozenset({"admin"}),                  # edit the service definitions
    "briefing": frozenset({"admin", "analyst", "executive"}),   # the month's briefing, as the report writes it
    "load": frozenset({"admin"}),                               # upload and load data
    "assess": frozenset({"admin", "analyst", "executive"}),     # the strategic assessment
    "assess_take": frozenset({"admin", "analyst"}),             # take a snapshot, answer its questions
    "competitors": frozenset({"admin", "analyst", "executive"}),  # names customers set against us (redacted quotes)
    "competitors_decide": frozenset({"admin", "analyst"}),      # confirm or reject a proposed name
}


def allowed(role: str | None, area: str) -> bool:
    """Whether a role may enter an area (unknown areas are closed)."""
    return role is not None and role in AREAS.get(area, frozenset())
