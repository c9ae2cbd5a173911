"""Service definitions: what "answered on time" means for each channel and queue, in one config.

A director keeps one YAML file (or edits it on the dashboard's settings page, admins only); the
store keeps it (``settings`` key ``service.definitions``) and every figure reads it: metrics,
the overview, the briefing, SLA scorecards, staffing and the API. docs/metrics.md describes
every key. In short::

    shrinkage: 30%
    abandon: {treatment: exclude_short, short_abandon: 5s}
    calendars:
      office: {hours: {mon-fri: "08:00-20:00", sat: "09:00-17:00", sun: closed}, holidays: [2025-08-25]}
    channels:
      voice: {target: 80%, within: 20s}
      email: {target: 90%, within: 24h, calendar: office}      # counted in business hours
    queues:
      vip: {target: 90%, within: 10s}

Anything left out takes the industry's usual value (``CHANNEL_DEFAULTS``). Public API:
``ServiceDefinition``, ``ServiceDefinitions`` (``for_channel(channel, queue)``), ``DEFAULTS``,
``parse_definitions``, ``load_definitions``, ``stored_definitions``, ``save_definitions``,
``met_share`` (the blended "share of contacts meeting their own channel's target"), ``rag``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from earful.errors import ConfigError
from earful.metrics._keys import seconds
from earful.metrics.calendars import ALWAYS_OPEN, WEEKDAYS, Calendar, parse_days, parse_spans
from earful.metrics.kpis import ABANDON_TREATMENTS

#: The settings key the store keeps the config under (its YAML text, as written).
SETTING = "service.definitions"
#: The channels a contact centre serves (surveys are answers about a contact, not a contact).
SERVICE_CHANNELS = ("voice", "chat", "email", "social", "sms")
MODES = ("immediate", "deferred")
CLOCKS = ("wall", "business")

#: The industry's usual service definitions: voice 80 % in 20 s, chat 80 % in 60 s with two
#: chats per agent, e-mail 90 % answered within 24 hours, social and SMS 80 % within an hour.
#: Voice and chat are answered while the customer waits (immediate: staffed by Erlang);
#: e-mail, social and SMS are worked from a backlog (deferred: staffed from backlog and target).
CHANNEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "voice": {"target": 0.80, "threshold_s": 20.0, "mode": "immediate", "max_abandon": 0.05},
    "chat": {"target": 0.80, "threshold_s": 60.0, "mode": "immediate", "concurrency": 2, "max_abandon": 0.05},
    "email": {"target": 0.90, "threshold_s": 86400.0, "mode": "deferred"},
    "social": {"target": 0.80, "threshold_s": 3600.0, "mode": "deferred"},
    "sms": {"target": 0.80, "threshold_s": 3600.0, "mode": "deferred"},
}
DEFAULT_SHRINKAGE = 0.30
DEFAULT_TREATMENT = "exclude_short"
DEFAULT_SHORT_ABANDON_S = 5.0
DEFAULT_AMBER = 0.05


@dataclass(frozen=True)
class ServiceDefinition:
    """The service definition of one channel (and queue, when it has its own).

    ``target`` share of contacts answered within ``threshold_s``; ``mode`` immediate (the customer
    waits on the line) or deferred (worked from a backlog); ``clock`` wall (every second counts) or
    business (only the seconds ``calendar`` is open count); ``calendar`` also gives the opening
    hours staffing plans for (None: always open). ``abandon_treatment`` and ``short_abandon_s`` are
    the abandon convention of its service level and abandon rate; ``concurrency`` contacts an agent
    handles at once; ``patience_s`` mean customer patience (Erlang A; None: Erlang C);
    ``max_abandon`` and ``max_occupancy`` optional ceilings.
    """

    channel: str
    threshold_s: float
    target: float
    queue: str | None = None
    mode: str = "immediate"
    clock: str = "wall"
    calendar: str | None = None
    abandon_treatment: str = DEFAULT_TREATMENT
    short_abandon_s: float = DEFAULT_SHORT_ABANDON_S
    concurrency: int = 1
    patience_s: float | None = None
    max_abandon: float | None = None
    max_occupancy: float | None = None

    @property
    def deferred(self) -> bool:
        return self.mode == "deferred"

    @property
    def business_clock(self) -> bool:
        return self.clock == "business" and self.calendar is not None

    @property
    def label(self) -> str:
        """``80 % within 20 s`` / ``90 % within 24 h (business hours)``."""
        text = f"{self.target * 100:g} % within {format_duration(self.threshold_s)}"
        return text + (" (business hours)" if self.business_clock else "")

    def as_dict(self) -> dict[str, Any]:
        out = {"channel": self.channel, "queue": self.queue, "target": self.target, "threshold_s": self.threshold_s,
               "label": self.label, "mode": self.mode, "clock": self.clock, "calendar": self.calendar,
               "abandon_treatment": self.abandon_treatment, "short_abandon_s": self.short_abandon_s,
               "concurrency": self.concurrency, "patience_s": self.patience_s, "max_abandon": self.max_abandon,
               "max_occupancy": self.max_occupancy}
        return out


def format_duration(s: float) -> str:
    """20 s, 1 min, 1.5 h, 24 h, 2 d: the threshold as a person writes it."""
    s = float(s)
    if s <= 120:
        return f"{s:g} s"
    if s < 3600:
        return f"{s / 60:g} min"
    if s < 172800 or s % 86400:
        return f"{s / 3600:g} h"
    return f"{s / 86400:g} d"


@dataclass(frozen=True)
class ServiceDefinitions:
    """The whole config: one definition per channel, queue overrides, calendars, the centre's
    shrinkage and targets for the figures without a channel (``targets``: csat_avg, fcr_rate,
    occupancy). ``text`` is the YAML it was read from (None for the built-in defaults)."""

    channels: dict[str, ServiceDefinition]
    queues: dict[str, dict[str, Any]] = field(default_factory=dict)
    calendars: dict[str, Calendar] = field(default_factory=dict)
    shrinkage: float = DEFAULT_SHRINKAGE
    targets: dict[str, float] = field(default_factory=dict)
    amber: float = DEFAULT_AMBER
    text: str | None = None

    def for_channel(self, channel: str, queue: str | None = None) -> ServiceDefinition:
        """The definition a contact of ``channel`` in ``queue`` is measured against: the queue's own
        where the config gives one (for that channel or any), else the channel's."""
        base = self.channels.get(channel)
        if base is None:
            base = _definition(channel if channel in CHANNEL_DEFAULTS else "voice", {})
            base = replace(base, channel=channel)
        over = self.queues.get(queue) if queue is not None else None
        if not over or (over.get("channel") and over["channel"] != channel):
            return base
        fields = {k: v for k, v in over.items() if k != "channel"}
        return _check(replace(base, queue=queue, **fields), self.calendars)

    def calendar(self, name: str | None) -> Calendar:
        """A calendar by name (None: always open)."""
        if name is None:
            return ALWAYS_OPEN
        try:
            return self.calendars[name]
        except KeyError:
            raise ConfigError(f"no calendar {name!r} in the service definitions") from None

    def rules(self) -> list[tuple[str | None, str, ServiceDefinition]]:
        """Every (queue or None, channel, definition) the config distinguishes, queue rules first."""
        out: list[tuple[str | None, str, ServiceDefinition]] = []
        chans = list(dict.fromkeys([*self.channels, *SERVICE_CHANNELS]))
        for q, over in self.queues.items():
            for ch in ([over["channel"]] if over.get("channel") else chans):
                out.append((q, ch, self.for_channel(ch, q)))
        for ch in chans:
            out.append((None, ch, self.for_channel(ch)))
        return out

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API and the settings page."""
        return {"shrinkage": self.shrinkage, "amber": self.amber, "targets": dict(self.targets),
                "channels": {c: d.as_dict() for c, d in self.channels.items()},
                "queues": {q: {ch: d.as_dict() for qq, ch, d in self.rules() if qq == q} for q in self.queues},
                "calendars": {n: {**c.as_dict(), "describe": c.describe()} for n, c in self.calendars.items()}}

    def to_yaml(self) -> str:
        """The config as YAML (its own text when it was read from one)."""
        if self.text is not None:
            return self.text
        return DEFAULT_YAML


def _definition(channel: str, fields: Mapping[str, Any]) -> ServiceDefinition:
    base = dict(CHANNEL_DEFAULTS.get(channel, CHANNEL_DEFAULTS["voice"]))
    base.update(fields)
    return ServiceDefinition(channel=channel, **base)


def _check(d: ServiceDefinition, calendars: Mapping[str, Calendar]) -> ServiceDefinition:
    where = f"{d.channel}" + (f" in queue {d.queue}" if d.queue else "")
    if not 0 < d.target < 1:
        raise ConfigError(f"{where}: target must be a share between 0 and 100 % (a 100 % target cannot be promised)")
    if not d.threshold_s > 0:
        raise ConfigError(f"{where}: 'within' must be a positive duration")
    if d.mode not in MODES:
        raise ConfigError(f"{where}: mode must be immediate or deferred, not {d.mode!r}")
    if d.clock not in CLOCKS:
        raise ConfigError(f"{where}: clock must be wall or business, not {d.clock!r}")
    if d.clock == "business" and d.calendar is None:
        raise ConfigError(f"{where}: a business clock needs a calendar")
    if d.calendar is not None and d.calendar not in calendars:
        raise ConfigError(f"{where}: no calendar {d.calendar!r} (calendars: {', '.join(calendars) or 'none'})")
    if d.abandon_treatment not in ABANDON_TREATMENTS:
        raise ConfigError(f"{where}: abandon treatment {d.abandon_treatment!r} is not one of {', '.join(ABANDON_TREATMENTS)}")
    if d.concurrency < 1:
        raise ConfigError(f"{where}: concurrency must be 1 or more")
    return d


DEFAULTS = ServiceDefinitions(channels={ch: _definition(ch, {}) for ch in SERVICE_CHANNELS})

DEFAULT_YAML = """\
# earful service definitions: what "answered on time" means for each channel and queue.
# Every key is optional; what is left out takes the industry's usual value (docs/metrics.md).
shrinkage: 30%                  # share of paid time away from contacts (breaks, training, absence)
abandon:
  treatment: exclude_short      # all | exclude_short | exclude_within_threshold | answered_only
  short_abandon: 5s             # abandons quicker than this are misdials and ghosts
# calendars:                    # opening hours per queue; waits on a business clock count only open time
#   office:
#     timezone: Europe/London   # default: the centre's
#     hours: {mon-fri: "08:00-20:00", sat: "09:00-17:00", sun: closed}
#     holidays: [2025-12-25, {date: 2025-12-24, hours: "08:00-13:00"}]
channels:
  voice:  {target: 80%, within: 20s}
  chat:   {target: 80%, within: 60s, concurrency: 2}
  email:  {target: 90%, within: 24h}          # add calendar: office to count business hours only
  social: {target: 80%, within: 1h}
  sms:    {target: 80%, within: 1h}
# queues:                       # a queue's own definition (any key above), for any channel or one
#   vip: {target: 90%, within: 10s}
# targets: {csat_avg: 4.0, fcr_rate: 75%}
"""

_DEF_KEYS = {"target", "within", "threshold", "mode", "clock", "calendar", "abandon", "concurrency", "patience",
             "max_abandon", "max_occupancy"}
_TOP_KEYS = {"shrinkage", "abandon", "calendars", "channels", "queues", "targets", "rag"}
_TARGET_KEYS = {"csat_avg": False, "fcr_rate": True, "occupancy": True, "nps": False}


def _duration(node, what: str) -> float:
    try:
        return seconds(node.text(what), what)
    except ConfigError:
        raise
    except Exception as exc:  # InputError from seconds(): the same words, with the line
        raise node.error(str(exc)) from None


def _share(node, what: str, *, allow_one: bool = False) -> float:
    from decimal import Decimal

    v = float(node.decimal(what, percent_ok=True, min_value=Decimal(0), max_value=Decimal(1)))
    if not allow_one and v >= 1:
        raise node.error(f"{what} must be below 100 %")
    return v


def _abandon(node, what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in node.items(what, {"treatment", "short_abandon"}):
        if k == "treatment":
            t = v.text(f"{what} treatment")
            if t not in ABANDON_TREATMENTS:
                raise v.error(f"abandon treatment {t!r} is not one of {', '.join(ABANDON_TREATMENTS)}")
            out["abandon_treatment"] = t
        else:
            out["short_abandon_s"] = _duration(v, f"{what} short_abandon")
    return out


def _fields(node, what: str, *, queue: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in node.items(what, _DEF_KEYS | ({"channel"} if queue else set())):
        if k == "target":
            out["target"] = _share(v, f"{what} target")
            if out["target"] <= 0:
                raise v.error(f"{what} target must be above 0 %")
        elif k in ("within", "threshold"):
            out["threshold_s"] = _duration(v, f"{what} within")
            if out["threshold_s"] <= 0:
                raise v.error(f"{what} within must be a positive duration")
        elif k == "mode":
            out["mode"] = v.text(f"{what} mode")
            if out["mode"] not in MODES:
                raise v.error(f"{what} mode must be immediate or deferred")
        elif k == "clock":
            out["clock"] = v.text(f"{what} clock")
            if out["clock"] not in CLOCKS:
                raise v.error(f"{what} clock must be wall or business")
        elif k == "calendar":
            out["calendar"] = v.text(f"{what} calendar")
        elif k == "abandon":
            out.update(_abandon(v, f"{what} abandon"))
        elif k == "concurrency":
            out["concurrency"] = v.integer(f"{what} concurrency", min_value=1)
        elif k == "patience":
            out["patience_s"] = _duration(v, f"{what} patience")
            if out["patience_s"] <= 0:
                raise v.error(f"{what} patience must be a positive duration")
        elif k == "max_abandon":
            out["max_abandon"] = _share(v, f"{what} max_abandon")
        elif k == "max_occupancy":
            out["max_occupancy"] = _share(v, f"{what} max_occupancy", allow_one=True)
        elif k == "channel":
            out["channel"] = v.text(f"{what} channel")
            if out["channel"] not in SERVICE_CHANNELS:
                raise v.error(f"{what} channel must be one of {', '.join(SERVICE_CHANNELS)}")
    return out


def _calendar(name: str, node) -> Calendar:
    what = f"calendar '{name}'"
    m = node.mapping(what, {"timezone", "hours", "holidays"})
    hours: list[tuple | None] = [None] * 7
    if "hours" in m:
        for key, v in m["hours"].items(f"{what} hours"):
            try:
                days = parse_days(key)
                spans = parse_spans(v.text(f"{what} hours {key}"))
            except ConfigError as exc:
                raise v.error(f"{what}: {exc}") from None
            for d in days:
                if hours[d] is not None:
                    raise v.error(f"{what}: {WEEKDAYS[d]} is given twice")
                hours[d] = spans
    else:
        hours = [((0, 86400),)] * 7
    hours = [h if h is not None else () for h in hours]  # a weekday not named is closed
    holidays: dict[date, tuple] = {}
    if "holidays" in m:
        for item in m["holidays"].seq(f"{what} holidays"):
            if item.is_map:
                hm = item.mapping(f"{what} holiday", {"date", "hours"})
                if "date" not in hm:
                    raise item.error(f"{what}: a holiday needs a date")
                day_node, spans = hm["date"], parse_spans(hm["hours"].text("hours")) if "hours" in hm else ()
            else:
                day_node, spans = item, ()
            try:
                day = date.fromisoformat(day_node.text(f"{what} holiday"))
            except ValueError:
                raise day_node.error(f"{what}: holiday {day_node.text('holiday')!r} is not a date (YYYY-MM-DD)") from None
            if day in holidays:
                raise day_node.error(f"{what}: holiday {day} is given twice")
            holidays[day] = spans
    tz = m["timezone"].text(f"{what} timezone") if "timezone" in m else None
    try:
        return Calendar(name, tuple(hours), holidays, tz)
    except ConfigError as exc:
        raise node.error(str(exc)) from None


def parse_definitions(text: str, name: str = "service.yaml") -> ServiceDefinitions:
    """Read the YAML config; a mistake is a ``ConfigError`` naming the file and line."""
    from earful.ledger._config import load_text as parse

    root = parse(text, name)
    top = root.mapping("service definitions", _TOP_KEYS)
    shrinkage = _share(top["shrinkage"], "shrinkage") if "shrinkage" in top else DEFAULT_SHRINKAGE
    centre_abandon = _abandon(top["abandon"], "abandon") if "abandon" in top else {}
    calendars = {n: _calendar(n, v) for n, v in top["calendars"].items("calendars")} if "calendars" in top else {}
    channels: dict[str, ServiceDefinition] = {}
    given = dict(top["channels"].items("channels", set(SERVICE_CHANNELS))) if "channels" in top else {}
    for ch in SERVICE_CHANNELS:
        node = given.get(ch)
        fields = {**centre_abandon, **(_fields(node, f"channel '{ch}'", queue=False) if node is not None else {})}
        if fields.get("calendar") and "clock" not in fields and CHANNEL_DEFAULTS[ch]["mode"] == "deferred" \
                and fields.get("mode", "deferred") == "deferred":
            fields["clock"] = "business"  # a deferred channel with a calendar counts business hours
        try:
            channels[ch] = _check(_definition(ch, fields), calendars)
        except ConfigError as exc:
            raise (node or root).error(str(exc)) from None
    queues: dict[str, dict[str, Any]] = {}
    if "queues" in top:
        for q, node in top["queues"].items("queues"):
            queues[q] = _fields(node, f"queue '{q}'", queue=True)
    targets: dict[str, float] = {}
    if "targets" in top:
        for k, v in top["targets"].items("targets", set(_TARGET_KEYS)):
            targets[k] = _share(v, k, allow_one=True) if _TARGET_KEYS[k] else float(v.decimal(k))
    amber = DEFAULT_AMBER
    if "rag" in top:
        for k, v in top["rag"].items("rag", {"amber"}):
            amber = _share(v, "rag amber")
    defs = ServiceDefinitions(channels, queues, calendars, shrinkage, targets, amber, text)
    for q, over in queues.items():  # every queue rule must resolve to a valid definition
        for ch in ([over["channel"]] if over.get("channel") else SERVICE_CHANNELS):
            try:
                defs.for_channel(ch, q)
            except ConfigError as exc:
                raise top["queues"].mapping("queues")[q].error(str(exc)) from None
    return defs


def load_definitions(path: str | Path) -> ServiceDefinitions:
    """Read the config from a YAML file."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"service definitions not found: {p}")
    return parse_definitions(p.read_text(encoding="utf-8"), p.name)


def stored_definitions(con: duckdb.DuckDBPyConnection) -> ServiceDefinitions:
    """The config the store keeps (``save_definitions``), else the built-in ``DEFAULTS``."""
    try:
        row = con.execute("SELECT value FROM settings WHERE key = ?", [SETTING]).fetchall()
    except duckdb.CatalogException:  # not an earful store: the caller reports that
        return DEFAULTS
    if not row or row[0][0] is None:
        return DEFAULTS
    return parse_definitions(json.loads(row[0][0]), "service definitions")


def save_definitions(con: duckdb.DuckDBPyConnection, text: str) -> ServiceDefinitions:
    """Check the YAML and keep it in the store, with the business-hours waits it implies
    (``earful.metrics.business_waits``; run it in a transaction); returns what it now holds.
    Nothing is kept when it has a mistake (the ``ConfigError`` names the line)."""
    from earful.metrics.business_waits import refresh_business_waits

    defs = parse_definitions(text, "service definitions")
    con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [SETTING, json.dumps(text)])
    refresh_business_waits(con, defs)  # the waits kept in business hours follow the new calendars
    return defs


def resolve(con: duckdb.DuckDBPyConnection, definitions: ServiceDefinitions | str | Path | None) -> ServiceDefinitions:
    """``definitions`` as given, read from a file, or else the store's."""
    if isinstance(definitions, ServiceDefinitions):
        return definitions
    if definitions is not None:
        return load_definitions(definitions)
    return stored_definitions(con)


# ---------------------------------------------------------------------- framing

def met_share(rows: Iterable[Mapping[str, Any]]) -> float | None:
    """The blended service level of several groups (e.g. the channels): the contact-weighted share
    of contacts that met their *own* channel's threshold, Σ ``sl_met`` ÷ Σ ``sl_base`` (None when no
    group has a base)."""
    met = base = 0.0
    for r in rows:
        if r.get("sl_base") and r.get("sl_met") is not None and r.get("service_level") is not None:
            met += float(r["sl_met"])
            base += float(r["sl_base"])
    return met / base if base else None


def rag(value: float | None, target: float | None, *, higher_is_better: bool = True,
        amber: float = DEFAULT_AMBER) -> str | None:
    """Red/amber/green against a target: green meets it, amber misses it by at most ``amber``
    (absolute, e.g. 5 points of a rate), red misses it by more; None when either is unknown."""
    if value is None or target is None:
        return None
    gap = (value - target) if higher_is_better else (target - value)
    if gap >= -1e-12:
        return "green"
    return "amber" if gap >= -amber - 1e-12 else "red"


def definitions_table(defs: ServiceDefinitions) -> list[dict[str, Any]]:
    """One row per channel, then one per queue with its own definition, for people."""
    out = []

    def row(queue: str | None, channel: str, d: ServiceDefinition) -> dict[str, Any]:
        cal = defs.calendars.get(d.calendar) if d.calendar else None
        return {"queue": queue, "channel": channel, "standard": d.label, "mode": d.mode,
                "hours": cal.describe() if cal else "always open",
                "abandons": f"{d.abandon_treatment} (short < {format_duration(d.short_abandon_s)})",
                "concurrency": d.concurrency}

    for ch in SERVICE_CHANNELS:
        out.append(row(None, ch, defs.for_channel(ch)))
    for q, over in defs.queues.items():
        ch = over.get("channel")
        out.append(row(q, ch or "any", defs.for_channel(ch or "voice", q)))
    return out
