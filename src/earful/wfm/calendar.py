"""Days that are not like the others: public holidays per queue and the planner's special days.

A queue's holidays come from the ``holidays`` package (a country and, where it has them, a
subdivision) plus dates the planner adds; special days (campaigns, outages, bill runs) are named
sets of dates with their own multiplier on the day's volume, or none, in which case it is learnt
from the same name's earlier occurrences in the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from earful.errors import ConfigError

__all__ = ["DayLabel", "HolidayCalendar", "SpecialDay", "label_days", "parse_dates"]


@dataclass(frozen=True)
class HolidayCalendar:
    """One queue's public holidays: the ``holidays`` package's for ``country`` (ISO code, e.g. GB, IL)
    and ``subdivision`` (e.g. ENG), plus ``extra`` dates; ``closed``: the queue is shut on them (the
    forecast is 0) rather than open with a learnt multiplier."""

    country: str | None = None
    subdivision: str | None = None
    extra: Mapping[date, str] = field(default_factory=dict)
    closed: bool = False

    def __post_init__(self) -> None:
        if self.country is not None:
            self._package_days(date.today().year)  # an unknown country fails here, at configuration

    def _package_days(self, year: int) -> dict[date, str]:
        if self.country is None:
            return {}
        import holidays

        try:
            return dict(holidays.country_holidays(self.country, subdiv=self.subdivision, years=year))
        except NotImplementedError:
            raise ConfigError(f"the holidays package has no country {self.country!r} (use an ISO code like GB, "
                              "US, IL)") from None
        except Exception as exc:  # unknown subdivision
            raise ConfigError(f"holidays of {self.country}: {str(exc).splitlines()[0]}") from None

    def between(self, first: date, last: date) -> dict[date, str]:
        """Holidays in [first, last], by date, with their names."""
        out: dict[date, str] = {}
        for year in range(first.year, last.year + 1):
            out.update(self._package_days(year))
        out.update(self.extra)
        return {d: n for d, n in sorted(out.items()) if first <= d <= last}


@dataclass(frozen=True)
class SpecialDay:
    """A named set of days with their own volume: ``multiplier`` × what the day would otherwise get
    (None: learnt from the history's earlier days of the same name); ``queues`` None = every queue."""

    name: str
    days: tuple[date, ...]
    multiplier: float | None = None
    queues: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ConfigError("a special day needs a name")
        if self.multiplier is not None and not (0 <= float(self.multiplier) <= 100):
            raise ConfigError(f"special day {self.name!r}: multiplier must be between 0 and 100, "
                              f"not {self.multiplier}")

    def applies_to(self, queue: str) -> bool:
        return self.queues is None or queue in self.queues


@dataclass(frozen=True)
class DayLabel:
    """Why a day is special: ``kind`` holiday or special, its ``name``, and a planner's ``multiplier``."""

    kind: str
    name: str
    multiplier: float | None = None


def label_days(first: date, days: int, queue: str, holidays: HolidayCalendar | None,
               special: Sequence[SpecialDay] = ()) -> list[DayLabel | None]:
    """The label of each day from ``first`` (a special day wins over a holiday on the same date)."""
    last = first + timedelta(days=days - 1)
    out: list[DayLabel | None] = [None] * days
    if holidays is not None:
        for d, name in holidays.between(first, last).items():
            out[(d - first).days] = DayLabel("holiday", name, 0.0 if holidays.closed else None)
    for sp in special:
        if not sp.applies_to(queue):
            continue
        for d in sp.days:
            if first <= d <= last:
                out[(d - first).days] = DayLabel("special", sp.name, sp.multiplier)
    return out


def yaml_load(text: str) -> Any:
    """YAML with dates left as text (``parse_dates`` reads them, and says which one is not a date)."""
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
                                       for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def parse_dates(value: Any, what: str) -> tuple[date, ...]:
    """``2025-05-12``, ``2025-05-12..2025-05-14`` or a list of either -> dates."""
    items: Iterable[Any] = value if isinstance(value, (list, tuple)) else [value]
    out: list[date] = []
    for item in items:
        if isinstance(item, date):
            out.append(item)
            continue
        text = str(item).strip()
        try:
            if ".." in text:
                a, b = (date.fromisoformat(p.strip()) for p in text.split("..", 1))
                if b < a:
                    raise ConfigError(f"{what}: {text} ends before it starts")
                out += [a + timedelta(days=i) for i in range((b - a).days + 1)]
            else:
                out.append(date.fromisoformat(text))
        except ValueError:
            raise ConfigError(f"{what}: {text!r} is not a date (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD)") from None
    if not out:
        raise ConfigError(f"{what}: no dates")
    return tuple(sorted(set(out)))
