-- Trained text models (issue 5: contact reasons, topics). The model files live next to the store
-- (<store>.models/), written by earful itself: joblib for the reason classifier, npz+JSON for topics.
CREATE TABLE models (
    name       VARCHAR PRIMARY KEY,          -- 'reasons', 'topics'
    kind       VARCHAR NOT NULL CHECK (kind IN ('reasons', 'topics')),
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    params     JSON,                          -- what it was trained with (source, seed, k, threshold ...)
    metrics    JSON,                          -- how well it did (cross-validated accuracy, sizes ...)
    path       VARCHAR NOT NULL               -- model file, relative to the store's folder
);

-- Topics of the current topic model: readable label, key phrases (best first), size when fitted.
CREATE TABLE topics (
    model       VARCHAR NOT NULL,
    topic_id    INTEGER NOT NULL,
    label       VARCHAR,
    key_phrases JSON,
    size        INTEGER,
    PRIMARY KEY (model, topic_id)
);
