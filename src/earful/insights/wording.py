"""Plain words for insights: titles a director would write, formatted figures, and the statistics
behind each finding ("why we think this is real") kept one click away.

Everything here turns stored figures into text; nothing here computes a figure. The dashboard,
the briefing, the CLI and the notifications all read their words from this module.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

KIND_LABELS = {"emerging_issue": "Emerging issue", "driver": "Cost driver", "product_feedback": "Product feedback",
               "competitor": "Competitor", "testimonial": "Testimonials", "churn_risk": "Customers at risk"}

_CAUSE = {"handle_time": "long handling", "repeats": "customers coming back", "transfers": "transfers",
          "satisfaction": "low satisfaction", "volume": "volume", "unhappy volume": "unhappy customers"}
_SUBTYPE = {"spike": "sudden spike", "drift": "steady rise", "new_reason": "new reason"}


# ---------------------------------------------------------------- numbers, dates, money

def label(code: str | None, labels: dict[str, str] | None = None) -> str:
    """A reason or topic code as words: the configured label, else ``card_not_working`` → ``Card not working``."""
    if not code:
        return "Unknown reason"
    if labels and code in labels:
        return labels[code]
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def day(value: Any, *, year: bool = False) -> str:
    """``19 Aug`` (``19 Aug 2025`` with ``year``); text that is not a date is returned as it is."""
    d = as_date(value)
    if d is None:
        return "—" if value is None else str(value)
    return f"{d.day} {d:%b}" + (f" {d.year}" if year else "")


def span(first: Any, last: Any) -> str:
    """``19–23 Aug 2025``, ``30 Jul – 2 Aug 2025``, or one day."""
    a, b = as_date(first), as_date(last)
    if a is None or b is None:
        return day(first or last, year=True)
    if a == b:
        return day(a, year=True)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{b.day} {b:%b} {b.year}"
    return f"{day(a, year=a.year != b.year)} – {day(b, year=True)}"


def month(value: Any) -> str:
    d = as_date(value)
    return f"{d:%B %Y}" if d else str(value)


def count(value: Any) -> str:
    f = _float(value)
    return "—" if f is None else f"{f:,.0f}"


def share(value: Any, digits: int = 0) -> str:
    f = _float(value)
    return "—" if f is None else f"{f * 100:.{digits}f}%"


def secs(value: Any) -> str:
    f = _float(value)
    if f is None:
        return "—"
    return f"{f:.0f} s" if f < 120 else f"{f / 60:.1f} min"


def decimal(value: Any, digits: int = 2) -> str:
    f = _float(value)
    return "—" if f is None else f"{f:,.{digits}f}"


def money(amount: Any, currency: str | None, *, cents: bool = False) -> str:
    """``EUR 22,070`` (whole units) or ``EUR 22,070.45``; unknown amounts are ``—``."""
    if amount is None:
        return "—"
    value = Decimal(str(amount))
    text = f"{value.quantize(Decimal('0.01'), ROUND_HALF_UP):,}" if cents else f"{value.quantize(Decimal(1), ROUND_HALF_UP):,}"
    return f"{currency} {text}" if currency else text


def odds(p: Any) -> str:
    """A p-value in words: how often a rise this large would come by chance."""
    f = _float(p)
    if f is None:
        return "—"
    if f <= 0:
        return "less than 1 in a million"
    if f < 1e-6:
        return "less than 1 in a million"
    if f >= 0.5:
        return "about even"
    n = 1 / f
    magnitude = 10 ** max(0, int(math.floor(math.log10(n))) - 1)
    return f"about 1 in {int(round(n / magnitude) * magnitude):,}"


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def age(days: Any) -> str:
    """How long ago something was found: ``today``, ``yesterday``, ``5 days ago``, ``3 weeks ago``."""
    n = int(_float(days) or 0)
    if n <= 0:
        return "today"
    if n == 1:
        return "yesterday"
    if n < 21:
        return f"{n} days ago"
    if n < 120:
        return f"{n // 7} weeks ago"
    return f"{n // 30} months ago"


def kind_label(kind: str | None) -> str:
    return KIND_LABELS.get(kind or "", (kind or "insight").replace("_", " ").capitalize())


# ---------------------------------------------------------------- titles and summaries

def emerging_title(subtype: str, name: str, first_day: Any, ratio: float, contacts: int) -> str:
    """``Declined card payment: 4× the usual volume since 19 Aug``."""
    since = day(first_day)
    if subtype == "new_reason":
        return f"New reason for contacting us: {name} ({contacts:,} contacts since {since})"
    times = f"{ratio:.0f}× the usual volume" if ratio >= 1.95 else f"{(ratio - 1) * 100:.0f}% above the usual volume"
    if subtype == "drift":
        return f"{name}: rising steadily since {since}, {times}"
    return f"{name}: {times} since {since}"


def emerging_summary(observed: int, expected: float, window_days: int, first_day: Any, last_day: Any,
                     contacts: int) -> str:
    when = f"on {day(first_day)}" if window_days == 1 else f"in the {window_days} days to {day(first_day)}"
    tail = ("" if as_date(first_day) == as_date(last_day) else
            f" The alarm lasted until {day(last_day)}: {contacts:,} contacts from {span(first_day, last_day)}.")
    usual = "almost none were expected" if expected < 1 else f"about {expected:,.0f} were expected"
    return f"{observed:,} customers contacted us about it {when}, where {usual}.{tail}"


def driver_title(name: str, m: dict[str, Any]) -> str:
    """The reason and its main cause, with the comparison that makes it a driver (no money: the
    value is the ledger's)."""
    cause = m.get("main_cause")
    if cause == "handle_time" and m.get("aht_s") is not None and m.get("aht_rest_s") is not None:
        return f"{name}: each contact takes {secs(m['aht_s'])}, other contacts {secs(m['aht_rest_s'])}"
    if cause == "repeats" and m.get("repeat_rate") is not None:
        return (f"{name}: {share(m['repeat_rate'])} of customers come back within a week"
                + (f" (others {share(m['repeat_rest'])})" if m.get("repeat_rest") is not None else ""))
    if cause == "transfers" and m.get("transfer_rate") is not None:
        return (f"{name}: {share(m['transfer_rate'])} of contacts are transferred"
                + (f" (others {share(m['transfer_rest'])})" if m.get("transfer_rest") is not None else ""))
    if cause == "satisfaction" and m.get("csat_avg") is not None:
        rest = m["csat_avg"] - m["csat_diff"] if m.get("csat_diff") is not None else None
        return (f"{name}: satisfaction {m['csat_avg']:.1f} out of 5"
                + (f", other contacts {rest:.1f}" if rest is not None else ""))
    if cause == "unhappy volume":
        return f"{name}: {count(m.get('contacts'))} contacts, customers leave unhappy"
    return f"{name}: {count(m.get('contacts'))} contacts, {share(m.get('share'))} of all"


def driver_summary(m: dict[str, Any]) -> str:
    parts = [f"{count(m.get('contacts'))} contacts ({share(m.get('share'))} of all)"]
    if m.get("aht_s") is not None:
        parts.append(f"average handling {secs(m['aht_s'])}")
    if m.get("repeat_rate") is not None:
        parts.append(f"{share(m['repeat_rate'])} came back within a week")
    if m.get("transfer_rate") is not None:
        parts.append(f"{share(m['transfer_rate'])} transferred")
    if m.get("csat_avg") is not None:
        parts.append(f"satisfaction {m['csat_avg']:.1f} out of 5")
    cause = _CAUSE.get(str(m.get("main_cause")), "volume")
    return "; ".join(parts) + f". What costs most beyond the centre's average: {cause}."


def voc_title(kind: str, n: int, customers: int, details: dict[str, Any]) -> str:
    if kind == "product_feedback":
        return f"{n:,} suggestions and feature requests from customers"
    if kind == "competitor":
        churny = int(details.get("with_churn_talk") or 0)
        return (f"Customers mentioned {details.get('competitor')} {n:,} times"
                + (f", {churny:,} of them while talking of leaving" if churny else ""))
    if kind == "testimonial":
        return f"{n:,} very satisfied customers could give us a testimonial"
    if kind == "churn_risk":
        hedged = int(details.get("hedged") or 0)
        return (f"{customers or n:,} customers said they may leave us"
                + (f" ({hedged:,} of the conversations only thinking about it)" if hedged else ""))
    return f"{KIND_LABELS.get(kind, kind)}: {n:,} conversations"


def voc_summary(n: int, customers: int, first: Any, last: Any) -> str:
    who = f" from {customers:,} customers" if customers else ""
    return f"{n:,} conversations{who}, {span(first, last)}."


# ---------------------------------------------------------------- figures and statistics

# key: (label, format). Formats: count, share, secs, date, dates, decimal, signed, text, money.
_FIGURES: dict[str, list[tuple[str, str, str]]] = {
    "emerging_issue": [("contacts", "Contacts in the episode", "count"), ("first_day", "First day", "date"),
                       ("last_day", "Last day", "date"), ("subtype", "Pattern", "subtype"),
                       ("observed", "Contacts on the first alarm", "count"),
                       ("expected", "Expected from its history", "decimal1")],
    "driver": [("rank", "Fix-first rank", "count"), ("contacts", "Contacts", "count"), ("share", "Share of all contacts", "share"),
               ("aht_s", "Average handling time", "secs"), ("aht_rest_s", "Other contacts' handling time", "secs"),
               ("repeat_rate", "Came back within a week", "share"), ("repeat_rest", "Other contacts came back", "share"),
               ("transfer_rate", "Transferred", "share"), ("transfer_rest", "Other contacts transferred", "share"),
               ("csat_avg", "Satisfaction (CSAT, 1–5)", "decimal"), ("csat_diff", "Against other contacts", "signed"),
               ("nps_avg", "Likelihood to recommend (0–10)", "decimal1"), ("end_sentiment", "Mood at the end (−1 to 1)", "signed"),
               ("main_cause", "Main cause", "cause")],
    "product_feedback": [("count", "Conversations", "count")],
    "competitor": [("competitor", "Competitor", "text"), ("count", "Mentions", "count"),
                   ("with_churn_talk", "While talking of leaving", "count")],
    "testimonial": [("count", "Conversations", "count")],
    "churn_risk": [("count", "Conversations", "count"), ("customers_at_risk", "Customers", "count")],
}


def fmt(value: Any, kind: str, currency: str | None = None) -> str:
    """One figure in its format (see ``_FIGURES``)."""
    if value is None:
        return "—"
    if kind == "count":
        return count(value)
    if kind == "share":
        return share(value, 1)
    if kind == "secs":
        return secs(value)
    if kind == "date":
        return day(value, year=True)
    if kind == "dates":
        return ", ".join(day(v) for v in value) if isinstance(value, list) else str(value)
    if kind == "decimal":
        return decimal(value)
    if kind == "decimal1":
        return decimal(value, 1)
    if kind == "signed":
        f = _float(value)
        return "—" if f is None else f"{f:+.2f}"
    if kind == "money":
        return money(value, currency)
    if kind == "subtype":
        return _SUBTYPE.get(str(value), str(value))
    if kind == "cause":
        return _CAUSE.get(str(value), str(value))
    return str(value)


def figures(kind: str, metrics: dict[str, Any]) -> list[tuple[str, str]]:
    """The figures a reader wants first, labelled and formatted, in a fixed order."""
    out = []
    for key, text, form in _FIGURES.get(kind, []):
        if metrics.get(key) is not None:
            out.append((text, fmt(metrics[key], form)))
    if not out:  # a kind this module does not know: its plain numbers
        for key, v in metrics.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out.append((label(key), count(v) if float(v).is_integer() else decimal(v)))
    return out


def why(kind: str, metrics: dict[str, Any], *, fdr: float | None = None) -> list[tuple[str, str]]:
    """The statistics behind a finding, in words with the numbers beside them."""
    m = metrics
    currency = m.get("currency")
    if kind == "emerging_issue":
        out = [("Test", "Its share of all contacts against the share in the 8 weeks before "
                        "(beta-binomial, so weekday and overall volume swings cancel)"),
               ("Observed", f"{count(m.get('observed'))} contacts in {m.get('window_days', 1)} day(s) to "
                            f"{day(m.get('first_day'), year=True)}"),
               ("Expected", f"{decimal(m.get('expected'), 1)} from its own history"),
               ("Ratio", f"{decimal(m.get('ratio'), 1)}×"),
               ("Chance of a rise this large with nothing changed", f"{odds(m.get('p_value'))} "
                                                                     f"(p = {_float(m.get('p_value')) or 0:.2g})"),
               ("Days that raised the alarm", fmt(m.get("alarm_days"), "dates"))]
        if fdr is not None:
            out.append(("False discoveries allowed", f"{fdr:.0%} of alarms (Benjamini–Hochberg over every reason and day)"))
        return out
    if kind == "driver":
        parts = m.get("avoidable_parts") or {}
        out = [("Rule", "A difference counts only when it is larger than two standard errors"),
               ("Cost of handling these contacts", money(m.get("handling_cost"), currency)),
               ("Beyond the centre's average", money(m.get("avoidable_cost"), currency))]
        for part, amount in parts.items():
            if _float(amount):
                out.append((f"… from {_CAUSE.get(part, part)}", money(amount, currency)))
        return out
    if m.get("count") is not None:
        return [("Found by", "The customers' own words (feedback type and mentions from the text "
                             "enrichment, else phrase rules): quotes below")]
    return []



# What the dashboard's templates use (core never imports the web; the web registers these).
def _globals() -> dict[str, Any]:
    from earful.ledger.plans import ask_for

    return {"age": age, "kind_label": kind_label, "ask_for": ask_for, "span": span, "day": day, "month": month}


TEMPLATE_GLOBALS = _globals()
