"""Genesys Cloud conversation details, as the analytics API returns them.

The body of a conversation details query (``{"conversations": [...], "totalHits": N}``), a
details job's results, or the conversations as an array or JSON Lines. Each conversation
becomes one interaction: the customer (or external) participant's first session gives the
channel and the customer (the caller's `ani`, or the e-mail or messaging address), the ACD
participant the queue, the time it was offered (first `interact` segment) and the wait
(`tAcd`); agent participants give the agent (first to answer), answer time, talk (`tTalk`),
hold (`tHeld`) and wrap-up (`tAcw`) summed over agents, and the wrap-up code. Abandoned when
the ACD participant has `tAbandon` or no agent answered; transferred when `nTransferred` is
counted or a second agent took part. Metric values are milliseconds.

Source: Genesys Cloud Platform API, AnalyticsConversationWithoutAttributes and its
AnalyticsParticipant, AnalyticsSession, AnalyticsConversationSegment and AnalyticsSessionMetric
models (the platform client SDKs' documentation).
"""

from __future__ import annotations

from earful.ingest.adapters._platform import address, ingest_platform, seconds

MEDIA = {"voice": "voice", "callback": "voice", "chat": "chat", "email": "email", "message": "chat",
         "video": "voice", "cobrowse": "chat", "screenshare": "chat"}
MESSAGES = {"sms": "sms", "facebook": "social", "twitter": "social", "instagram": "social", "line": "social",
            "whatsapp": "chat", "webmessaging": "chat", "open": "chat", "apple": "chat"}


def _metrics(participant: dict) -> dict[str, float]:
    out: dict[str, float] = {}
    for session in participant.get("sessions") or []:
        for m in session.get("metrics") or []:
            out[m["name"]] = out.get(m["name"], 0.0) + float(m["value"])
    return out


def _segments(participant: dict, kind: str) -> list[dict]:
    return sorted((seg for s in participant.get("sessions") or [] for seg in s.get("segments") or []
                   if seg.get("segmentType") == kind), key=lambda seg: seg.get("segmentStart") or "")


def shape(conv: dict, source: str) -> dict:
    """One analytics conversation as an earful record."""
    parts = conv.get("participants") or []
    customer = next((p for p in parts if p.get("purpose") in ("customer", "external")), None)
    acd = next((p for p in parts if p.get("purpose") == "acd"), None)
    agents = [p for p in parts if p.get("purpose") == "agent"]
    session = ((customer or (parts[0] if parts else {})).get("sessions") or [{}])[0]
    media = str(session.get("mediaType") or "").lower()
    channel = MESSAGES.get(str(session.get("messageType") or "").lower()) if media == "message" else None
    who = session.get("ani") if media in ("voice", "callback", "video") else (
        session.get("addressFrom") or session.get("addressOther") or session.get("ani"))
    acd_in = _segments(acd, "interact") if acd else []
    acd_m = _metrics(acd) if acd else {}
    answers = sorted(((_segments(a, "interact") or [{}])[0].get("segmentStart"), a) for a in agents
                     if _segments(a, "interact"))
    first_agent = answers[0][1] if answers else None
    agent_m: dict[str, float] = {}
    for a in agents:
        for k, v in _metrics(a).items():
            agent_m[k] = agent_m.get(k, 0.0) + v
    wrapups = [seg.get("wrapUpCode") for a in agents for seg in _segments(a, "wrapup") if seg.get("wrapUpCode")]
    abandoned = None
    if acd is not None:
        abandoned = "tAbandon" in acd_m or not answers
    return {
        "source": source,
        "source_id": conv["conversationId"],
        "channel": channel or MEDIA.get(media, media or None),
        "direction": "outbound" if conv.get("originatingDirection") == "outbound" else "inbound",
        "queue": acd_in[0].get("queueId") if acd_in else None,
        "agent_id": (first_agent or {}).get("userId") or (first_agent or {}).get("participantName"),
        "customer_id": address(who),
        "offered_at": acd_in[0].get("segmentStart") if acd_in else None,
        "answered_at": answers[0][0] if answers else None,
        "ended_at": conv.get("conversationEnd"),
        "wait_s": seconds(acd_m.get("tAcd")) if acd is not None else None,
        "talk_s": seconds(agent_m.get("tTalk")) if agents else None,
        "hold_s": seconds(agent_m.get("tHeld")) if agents else None,
        "wrap_s": seconds(agent_m.get("tAcw")) if agents else None,
        "abandoned": abandoned,
        "transferred": bool(agent_m.get("nTransferred") or acd_m.get("nTransferred")) or len(answers) > 1,
        "disposition": wrapups[0] if wrapups else None,
        "metadata": {"conversation_start": conv.get("conversationStart"), "media_type": media or None,
                     "agents": len(answers), "ended_in": ("agent" if answers else "queue") if acd else "ivr"},
    }


ingest_genesys = ingest_platform(shape)
