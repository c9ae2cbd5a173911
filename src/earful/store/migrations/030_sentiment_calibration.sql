-- The centre's sentiment calibration (earful.nlp.calibration, learnt from its rated comments) is a
-- model of the store like the reason classifier and the topic model: the same table, one more kind.
CREATE TABLE models_before_030 AS SELECT * FROM models;
DROP TABLE models;
CREATE TABLE models (
    name       VARCHAR PRIMARY KEY,          -- 'reasons', 'topics', 'sentiment_calibration'
    kind       VARCHAR NOT NULL CHECK (kind IN ('reasons', 'topics', 'sentiment_calibration')),
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    params     JSON,                          -- what it was trained with (source, seed, k, threshold ...)
    metrics    JSON,                          -- how well it did (cross-validated accuracy, sizes ...)
    path       VARCHAR NOT NULL               -- model file, relative to the store's folder
);
INSERT INTO models SELECT name, kind, created_at, params, metrics, path FROM models_before_030;
DROP TABLE models_before_030;
