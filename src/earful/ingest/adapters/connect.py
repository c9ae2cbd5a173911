"""Amazon Connect contact records (CTRs), as the contact record data model documents them.

One record per contact, as a Kinesis stream or Firehose writes them to S3 (JSON Lines or
objects one after another) or as an array. Each becomes one interaction: `ContactId` the id,
`PreviousContactId` the leg it continues (a transfer), the customer's endpoint address the
customer (a phone number, stored as its keyed hash), the queue's name and the agent's
username. A contact that reached a queue is offered at `Queue.EnqueueTimestamp`, answered at
`Agent.ConnectedToAgentTimestamp` (abandoned when no agent connected), with `Queue.Duration`,
`Agent.AgentInteractionDuration`, `Agent.CustomerHoldDuration` and
`Agent.AfterContactWorkDuration` as wait, talk, hold and wrap-up seconds; one that never
reached a queue ended in the IVR (`metadata.ended_in = "ivr"`). TASK contacts are agents' work
items, not customers' contacts: they are quarantined with that reason.

Source: docs.aws.amazon.com/connect/latest/adminguide/ctr-data-model.html.
"""

from __future__ import annotations

from earful.ingest.adapters._platform import address, get, ingest_platform, number

CHANNELS = {"VOICE": "voice", "CHAT": "chat", "EMAIL": "email"}
OUTBOUND = {"OUTBOUND", "EXTERNAL_OUTBOUND", "CAMPAIGN"}


def shape(rec: dict, source: str) -> dict:
    """One contact record as an earful record."""
    channel = str(rec.get("Channel") or "").upper()
    if channel == "TASK":
        raise ValueError("a TASK contact is an agent's work item, not a customer's contact")
    queued = get(rec, "Queue", "EnqueueTimestamp") is not None
    answered = get(rec, "Agent", "ConnectedToAgentTimestamp")
    return {
        "source": source,
        "source_id": rec["ContactId"],
        "channel": CHANNELS.get(channel, channel.lower() or None),
        "direction": "outbound" if rec.get("InitiationMethod") in OUTBOUND else "inbound",
        "queue": get(rec, "Queue", "Name"),
        "agent_id": get(rec, "Agent", "Username"),
        "customer_id": address(get(rec, "CustomerEndpoint", "Address")),
        "offered_at": get(rec, "Queue", "EnqueueTimestamp"),
        "answered_at": answered,
        "ended_at": rec.get("DisconnectTimestamp"),
        "wait_s": number(get(rec, "Queue", "Duration")) if queued else None,
        "talk_s": number(get(rec, "Agent", "AgentInteractionDuration")),
        "hold_s": number(get(rec, "Agent", "CustomerHoldDuration")),
        "wrap_s": number(get(rec, "Agent", "AfterContactWorkDuration")),
        "abandoned": (answered is None) if queued else None,
        "transferred": rec.get("TransferCompletedTimestamp") is not None,
        "related_id": rec.get("PreviousContactId"),
        "metadata": {"initiation_method": rec.get("InitiationMethod"), "disconnect_reason": rec.get("DisconnectReason"),
                     "initiated_at": rec.get("InitiationTimestamp"),
                     "ended_in": ("agent" if answered else "queue") if queued else "ivr"},
    }


ingest_connect = ingest_platform(shape)
