-- Agents on duty per interval (capability: metrics, for occupancy; staffing plans may write it too).
-- agents = productive agents logged in for the whole interval (fractions allowed: 2.5 = two full
-- agents and one half the interval). queue NULL = the whole centre.
CREATE TABLE staffing (
    interval_start TIMESTAMP NOT NULL,
    interval_s     INTEGER NOT NULL CHECK (interval_s > 0),
    queue          VARCHAR,
    agents         DOUBLE NOT NULL CHECK (agents >= 0),
    source         VARCHAR            -- where the figure came from: wfm export, plan, ...
);
