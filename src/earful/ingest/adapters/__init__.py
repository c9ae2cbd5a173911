"""Named adapters: real public data sets and platforms' documented exports; each ends in the same canonical staging.

``ADAPTERS`` maps each `--format` name to (what it reads, its reader); ``DEFAULT_SOURCES`` the
`source` its records get when the user names none.
"""

from __future__ import annotations

from collections.abc import Callable

from earful.ingest.adapters.abcd import ingest_abcd
from earful.ingest.adapters.connect import ingest_connect
from earful.ingest.adapters.freshdesk import ingest_freshdesk
from earful.ingest.adapters.genesys import ingest_genesys
from earful.ingest.adapters.intents import ingest_intents
from earful.ingest.adapters.technion import ingest_technion
from earful.ingest.adapters.twcs import ingest_twcs
from earful.ingest.adapters.twilio import ingest_twilio
from earful.ingest.adapters.zendesk import ingest_zendesk

ADAPTERS: dict[str, tuple[str, Callable[..., None]]] = {
    "technion": ("the Anonymous Bank call log (Technion SEE lab)", ingest_technion),
    "twcs": ("Customer Support on Twitter threads", ingest_twcs),
    "intents": ("intent-labelled utterances: text,label CSV (BANKING77) or CLINC150 JSON", ingest_intents),
    "abcd": ("ABCD agent/customer chat dialogues", ingest_abcd),
    "connect": ("Amazon Connect contact records (JSON)", ingest_connect),
    "genesys": ("Genesys Cloud conversation details (JSON)", ingest_genesys),
    "twilio": ("Twilio Voice call logs (Call resources, JSON)", ingest_twilio),
    "zendesk": ("Zendesk Support tickets (JSON)", ingest_zendesk),
    "freshdesk": ("Freshdesk tickets (JSON)", ingest_freshdesk),
}
DEFAULT_SOURCES = {name: name for name in ADAPTERS if name != "intents"}
