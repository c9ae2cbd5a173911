-- Strategic assessments (earful.assess): each run of `earful assess --save` is kept, so the
-- next one can say which practices moved and why.
CREATE SEQUENCE assessments_seq START 1;

CREATE TABLE assessments (
    id            BIGINT PRIMARY KEY DEFAULT nextval('assessments_seq'),
    taken_at      TIMESTAMP NOT NULL,
    who           VARCHAR NOT NULL,
    period_start  DATE NOT NULL,
    period_end    DATE NOT NULL,
    model_name    VARCHAR NOT NULL,
    model_version VARCHAR NOT NULL,
    model_digest  VARCHAR NOT NULL,     -- the model file's content hash: levels are comparable only under one
    overall       DOUBLE,               -- mean of the dimension levels (NULL when none could be scored)
    levels        JSON NOT NULL,        -- {"dimension key": level, ...}
    result        JSON NOT NULL         -- the whole assessment: practices, evidence, answers, gaps, plan
);
