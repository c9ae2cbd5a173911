"""Freshdesk tickets, as the API v2 lists them (an array, optionally with `include=stats`) or JSON Lines.

Each ticket becomes one contact: the numeric `source` gives the channel (1 e-mail, 2 portal,
3 phone, 5 Twitter, 6 Facebook, 7 chat, 9 feedback widget, 10 outbound e-mail),
`requester_id` the customer, `responder_id` the agent, `group_id` the queue, `created_at`
when it was offered, and with stats the first response (its answer time and wait) and the
resolution (its end). The ticket `type` is the disposition; status (2 open, 3 pending,
4 resolved, 5 closed) and priority (1 low … 4 urgent) go to metadata by name.

Source: developers.freshdesk.com/api/#tickets.
"""

from __future__ import annotations

from earful.ingest.adapters._platform import get, ingest_platform, iso_between

CHANNELS = {1: "email", 2: "email", 3: "voice", 4: "social", 5: "social", 6: "social", 7: "chat", 8: "email",
            9: "email", 10: "email"}
STATUS = {2: "open", 3: "pending", 4: "resolved", 5: "closed"}
PRIORITY = {1: "low", 2: "medium", 3: "high", 4: "urgent"}


def shape(ticket: dict, source: str) -> dict:
    """One ticket as an earful record."""
    src = ticket.get("source")
    first = get(ticket, "stats", "first_responded_at")
    text = "\n\n".join(str(t) for t in (ticket.get("subject"), ticket.get("description_text")) if t)
    ids = {k: (str(ticket[k]) if ticket.get(k) is not None else None) for k in ("requester_id", "responder_id", "group_id")}
    return {
        "source": source,
        "source_id": str(ticket["id"]),
        "channel": CHANNELS.get(src, f"source {src}") if src is not None else None,
        "direction": "outbound" if src == 10 else "inbound",
        "queue": ids["group_id"],
        "agent_id": ids["responder_id"],
        "customer_id": ids["requester_id"],
        "offered_at": ticket.get("created_at"),
        "answered_at": first,
        "ended_at": get(ticket, "stats", "resolved_at") or get(ticket, "stats", "closed_at"),
        "wait_s": iso_between(ticket.get("created_at"), first),
        "disposition": ticket.get("type"),
        "text": text or None,
        "metadata": {"status": STATUS.get(ticket.get("status"), ticket.get("status")),
                     "priority": PRIORITY.get(ticket.get("priority"), ticket.get("priority")), "tags": ticket.get("tags")},
    }


ingest_freshdesk = ingest_platform(shape)
