"""Routing insights to departments, their lifecycle, notifications, the value ledger and SLA scorecards.

Modules: ``routing`` (routing.yaml, rules), ``lifecycle`` (states, history, reminders),
``notify`` (outbox, webhooks, SMTP), ``value`` (estimated/confirmed money), ``sla``
(partner contract scorecards).
"""

from earful.ledger.lifecycle import STATES, TRANSITIONS, history, overdue, routes, transition
from earful.ledger.notify import deliver, queue_reminders, share_new, sign, verify
from earful.ledger.routing import RoutingConfig, add_routes, departments_for, load_routing, route_insights
from earful.ledger.value import confirm_value, credit_report, estimate, load_value_model, record_estimates, totals

__all__ = [
    "STATES", "TRANSITIONS", "RoutingConfig", "add_routes", "confirm_value", "credit_report", "deliver", "departments_for",
    "estimate", "history", "load_routing", "load_value_model", "overdue", "queue_reminders", "record_estimates",
    "route_insights", "routes", "share_new", "sign", "totals", "transition", "verify",
]
