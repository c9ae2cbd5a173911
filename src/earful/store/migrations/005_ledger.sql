-- Routing, lifecycle, notifications and the value ledger (issue 7, earful.ledger).
-- Current state per (insight, department); the history beside it is append-only.
CREATE SEQUENCE ledger_history_seq START 1;
CREATE SEQUENCE ledger_outbox_seq START 1;
CREATE SEQUENCE ledger_delivery_seq START 1;
CREATE SEQUENCE ledger_value_seq START 1;

CREATE TABLE ledger_routes (
    insight_id  VARCHAR NOT NULL,
    department  VARCHAR NOT NULL,
    rule        VARCHAR NOT NULL,            -- the routing rule that matched, or 'triage'
    state       VARCHAR NOT NULL,            -- new|shared|acknowledged|actioned|value_confirmed|dismissed
    routed_at   TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (insight_id, department)
);

CREATE TABLE ledger_history (
    id          BIGINT PRIMARY KEY DEFAULT nextval('ledger_history_seq'),
    insight_id  VARCHAR NOT NULL,
    department  VARCHAR NOT NULL,
    from_state  VARCHAR,                     -- NULL when the route is created
    to_state    VARCHAR NOT NULL,
    who         VARCHAR NOT NULL,
    at_time     TIMESTAMP NOT NULL,
    note        VARCHAR                      -- dismissal reason, rule name, remark
);

-- Outbox: every notification is written here first, then delivered (at least once).
CREATE TABLE ledger_outbox (
    id              BIGINT PRIMARY KEY DEFAULT nextval('ledger_outbox_seq'),
    idempotency_key VARCHAR NOT NULL UNIQUE,
    channel         VARCHAR NOT NULL,        -- webhook|email
    department      VARCHAR NOT NULL,
    target          VARCHAR NOT NULL,        -- URL, or comma-separated addresses
    subject         VARCHAR,
    payload         JSON NOT NULL,
    status          VARCHAR NOT NULL,        -- pending|delivered|dead
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP,
    last_error      VARCHAR
);

-- Delivery log: one row per attempt.
CREATE TABLE ledger_deliveries (
    id          BIGINT PRIMARY KEY DEFAULT nextval('ledger_delivery_seq'),
    outbox_id   BIGINT NOT NULL,
    attempt     INTEGER NOT NULL,
    at_time     TIMESTAMP NOT NULL,
    ok          BOOLEAN NOT NULL,
    detail      VARCHAR                      -- HTTP status or error text
);

-- Value ledger: estimated (per insight) and confirmed (per insight and department) money.
CREATE TABLE ledger_values (
    id          BIGINT PRIMARY KEY DEFAULT nextval('ledger_value_seq'),
    insight_id  VARCHAR NOT NULL,
    department  VARCHAR,                     -- NULL for an estimate (it belongs to the insight)
    kind        VARCHAR NOT NULL,            -- estimated|confirmed
    amount      DECIMAL(18,2) NOT NULL,
    currency    VARCHAR NOT NULL,
    formula     VARCHAR,
    inputs      JSON,                        -- each input's value and where it came from
    working     VARCHAR,                     -- the formula with numbers filled in
    who         VARCHAR NOT NULL,
    at_time     TIMESTAMP NOT NULL,
    note        VARCHAR
);
