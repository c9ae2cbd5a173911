"""Zendesk Support tickets, as the Tickets and incremental export APIs return them.

``{"tickets": [...]}`` (a page, with or without `metric_sets` side-loaded), an array or JSON
Lines. Each ticket becomes one written contact: `via.channel` gives the channel, `requester_id`
the customer, `assignee_id` the agent, `group_id` the queue, `created_at` when it was offered,
the subject and description its text and the ticket `type` its disposition. With the ticket's
metric set (`include=metric_sets`) the first reply time is its wait and `solved_at` its end;
status, priority, tags and the satisfaction rating (good/bad, not a 1–5 score) go to metadata.

Source: developer.zendesk.com/api-reference/ticketing/tickets/tickets/ and
…/ticketing/tickets/ticket_metrics/.
"""

from __future__ import annotations

from earful.ingest.adapters._platform import get, ingest_platform

CHANNELS = {"email": "email", "web": "email", "api": "email", "web_service": "email", "mobile": "email",
            "sample_ticket": "email", "chat": "chat", "native_messaging": "chat", "messaging": "chat",
            "chat_transcript": "chat", "mobile_sdk": "chat", "voice": "voice", "phone_call_inbound": "voice",
            "phone_call_outbound": "voice", "voicemail": "voice", "twitter": "social", "facebook": "social",
            "instagram_dm": "social", "sms": "sms", "text": "sms", "whatsapp": "chat"}


def shape(ticket: dict, source: str) -> dict:
    """One ticket as an earful record (its metric set, when side-loaded, inside it or beside it)."""
    via = str(get(ticket, "via", "channel") or "")
    metrics = ticket.get("metric_set") or {}
    reply_min = get(metrics, "reply_time_in_minutes", "calendar")
    text = "\n\n".join(str(t) for t in (ticket.get("subject"), ticket.get("description")) if t)
    return {
        "source": source,
        "source_id": str(ticket["id"]),
        "channel": CHANNELS.get(via, via or None),
        "direction": "outbound" if via == "phone_call_outbound" else "inbound",
        "queue": str(ticket["group_id"]) if ticket.get("group_id") is not None else None,
        "agent_id": str(ticket["assignee_id"]) if ticket.get("assignee_id") is not None else None,
        "customer_id": str(ticket["requester_id"]) if ticket.get("requester_id") is not None else None,
        "offered_at": ticket.get("created_at"),
        "ended_at": metrics.get("solved_at"),
        "wait_s": float(reply_min) * 60 if reply_min is not None else None,
        "disposition": ticket.get("type"),
        "text": text or None,
        "metadata": {"status": ticket.get("status"), "priority": ticket.get("priority"), "tags": ticket.get("tags"),
                     "satisfaction": get(ticket, "satisfaction_rating", "score"), "via": via or None},
    }


ingest_zendesk = ingest_platform(shape)
