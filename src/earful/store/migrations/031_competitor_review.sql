-- Competitor names customers set against the centre (earful.insights.competitors): proposed from
-- their words, counted in insights only once a person confirms them; rejected ones are never
-- proposed again.
CREATE TABLE competitor_names (
    name        VARCHAR PRIMARY KEY,          -- as customers write it ("Apple Music")
    status      VARCHAR NOT NULL,             -- proposed | confirmed | rejected
    mentions    INTEGER NOT NULL DEFAULT 0,   -- conversations naming it, at the last proposal
    first_seen  DATE,
    last_seen   DATE,
    example_ids JSON,                         -- a few interaction ids (the quotes are redacted when shown)
    decided_by  VARCHAR,
    decided_at  TIMESTAMP
);
