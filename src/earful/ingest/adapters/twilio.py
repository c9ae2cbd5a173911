"""Twilio Voice call logs: the Call resource, as the REST API lists it (``{"calls": [...]}``) or an array.

Each call (leg) becomes one voice interaction: `sid` the id, `parent_call_sid` the call it is a
leg of, `from` the customer on an inbound call and `to` on an outbound one (phone numbers,
stored as their keyed hash), `start_time` and `end_time` (RFC 2822) its times and `duration`
its connected seconds. An inbound call that rang out (`no-answer`) or that the caller
cancelled is abandoned; `busy` and `failed` calls never reached anyone and are not offered.
The call `status` is the disposition.

Source: twilio.com/docs/voice/api/call-resource.
"""

from __future__ import annotations

from earful.ingest.adapters._platform import address, ingest_platform, number, rfc2822

ABANDONED = {"no-answer": True, "canceled": True, "completed": False, "in-progress": False}


def shape(call: dict, source: str) -> dict:
    """One Call resource as an earful record."""
    inbound = str(call.get("direction") or "inbound") == "inbound"
    status = call.get("status")
    offered = status not in ("busy", "failed", "queued")
    start = rfc2822(call.get("start_time") or call.get("date_created"))
    answered = status in ("completed", "in-progress") and (number(call.get("duration")) or 0) > 0
    return {
        "source": source,
        "source_id": call["sid"],
        "channel": "voice",
        "direction": "inbound" if inbound else "outbound",
        "customer_id": address(call.get("from") if inbound else call.get("to")),
        "offered_at": start if offered else None,
        "answered_at": start if answered else None,
        "ended_at": rfc2822(call.get("end_time")),
        "talk_s": number(call.get("duration")) if answered else None,
        "abandoned": ABANDONED.get(str(status)) if inbound and offered else None,
        "disposition": status,
        "related_id": call.get("parent_call_sid"),
        "metadata": {"direction": call.get("direction"), "answered_by": call.get("answered_by"),
                     "ended_in": None if offered else "not_connected"},
    }


ingest_twilio = ingest_platform(shape)
