-- Interval and daily reports from ACD and WFM systems (earful.ingest.intervals): one row per queue,
-- channel and interval as the report gave it. Counts are contacts; *_s columns are totals in seconds
-- over the interval (an average in the report is stored times its count), so every figure adds up
-- across intervals and a rate is always a sum over a sum. NULL = the report did not give it.
CREATE TABLE interval_stats (
    source          VARCHAR NOT NULL,
    import_id       BIGINT,
    queue           VARCHAR NOT NULL,
    channel         VARCHAR NOT NULL,
    interval_start  TIMESTAMP NOT NULL,
    interval_s      INTEGER NOT NULL CHECK (interval_s > 0),   -- 900, 1800, 3600 or 86400 (a day)
    offered         BIGINT CHECK (offered >= 0),
    answered        BIGINT CHECK (answered >= 0),
    abandoned       BIGINT CHECK (abandoned >= 0),
    answered_within BIGINT CHECK (answered_within >= 0),       -- answered within sl_threshold_s
    service_level   DOUBLE CHECK (service_level BETWEEN 0 AND 1),  -- as reported, when no count is given
    sl_threshold_s  DOUBLE CHECK (sl_threshold_s >= 0),
    handle_s        DOUBLE CHECK (handle_s >= 0),              -- total handle time of answered contacts
    wait_s          DOUBLE CHECK (wait_s >= 0),                -- total wait of answered contacts
    abandon_wait_s  DOUBLE CHECK (abandon_wait_s >= 0),        -- total wait of abandoned contacts
    agents          DOUBLE CHECK (agents >= 0),                -- mean agents staffed during the interval
    PRIMARY KEY (source, queue, channel, interval_start, interval_s)
);
