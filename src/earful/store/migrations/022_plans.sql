-- Workforce plans (earful.wfm): forecasts with their prediction intervals and requirement, and
-- schedules with every shift. A run is one `earful forecast` or `earful schedule`; the dashboard
-- shows the latest of each.
CREATE SEQUENCE wfm_run_seq START 1;

CREATE TABLE wfm_runs (
    run_id      BIGINT PRIMARY KEY DEFAULT nextval('wfm_run_seq'),
    kind        VARCHAR NOT NULL CHECK (kind IN ('forecast', 'schedule')),
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    based_on    BIGINT,                 -- a schedule: the forecast run it covers
    params      JSON,                   -- what it was asked (horizon, model, shifts ...)
    summary     JSON                    -- what it found (back-test errors, paid hours, bound ...)
);

-- One row per forecast interval and series (queue, channel).
CREATE TABLE wfm_forecast (
    run_id         BIGINT NOT NULL,
    queue          VARCHAR NOT NULL,
    channel        VARCHAR NOT NULL,
    interval_start TIMESTAMP NOT NULL,
    interval_s     INTEGER NOT NULL,
    volume         DOUBLE NOT NULL,     -- contacts expected
    volume_lo80    DOUBLE, volume_hi80 DOUBLE, volume_lo95 DOUBLE, volume_hi95 DOUBLE,
    aht_s          DOUBLE,
    special        VARCHAR,             -- holiday or special day that shaped it
    agents         INTEGER,             -- productive agents needed (the requirement)
    positions      INTEGER,             -- rostered after shrinkage
    service_level  DOUBLE,              -- predicted at that requirement
    PRIMARY KEY (run_id, queue, channel, interval_start)
);

-- One row per shift in a schedule; breaks as [{"start": ..., "minutes": ..., "paid": ...}].
CREATE TABLE wfm_shifts (
    run_id      BIGINT NOT NULL,
    agent       VARCHAR NOT NULL,
    day         DATE NOT NULL,
    pattern     VARCHAR NOT NULL,
    starts_at   TIMESTAMP NOT NULL,
    ends_at     TIMESTAMP NOT NULL,
    paid_s      DOUBLE NOT NULL,
    breaks      JSON
);

-- Per interval of a schedule: what it covers and what the simulation predicts.
CREATE TABLE wfm_coverage (
    run_id         BIGINT NOT NULL,
    interval_start TIMESTAMP NOT NULL,
    interval_s     INTEGER NOT NULL,
    required       INTEGER NOT NULL,    -- positions the requirement asks for
    scheduled      INTEGER NOT NULL,    -- positions at work (not on a break)
    service_level  DOUBLE,              -- simulated with the forecast volume
    abandon_rate   DOUBLE,
    PRIMARY KEY (run_id, interval_start)
);
