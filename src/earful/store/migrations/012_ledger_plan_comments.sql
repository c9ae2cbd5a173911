-- What a department is asked to do with an insight, who owns it there and by when (earful.ledger),
-- the basis of each estimate (per year, per episode, one-off), and comments on insights.
ALTER TABLE ledger_routes ADD COLUMN ask VARCHAR;
ALTER TABLE ledger_routes ADD COLUMN owner VARCHAR;
ALTER TABLE ledger_routes ADD COLUMN due_date DATE;
ALTER TABLE ledger_values ADD COLUMN basis VARCHAR;

CREATE SEQUENCE insight_comment_seq START 1;
CREATE TABLE insight_comments (
    id         BIGINT PRIMARY KEY DEFAULT nextval('insight_comment_seq'),
    insight_id VARCHAR NOT NULL,
    department VARCHAR,              -- the writer's department (NULL: the centre)
    who        VARCHAR NOT NULL,
    at_time    TIMESTAMP NOT NULL,
    text       VARCHAR NOT NULL
);
