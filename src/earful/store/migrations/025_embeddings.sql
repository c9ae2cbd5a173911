-- Sentence embeddings kept in the store so no text is embedded twice: one row per model and
-- exact text (its SHA-1). An interaction's vector is found through the hash of its customer words,
-- so an edited text gets a new vector and identical texts share one. Reasons, topics and the
-- insights read these rows instead of running the encoder again.
CREATE TABLE embeddings (
    model      VARCHAR NOT NULL,             -- encoder id, e.g. 'all-MiniLM-L6-v2:1a2b3c4d'
    text_sha1  VARCHAR NOT NULL,             -- hex SHA-1 of the UTF-8 text that was embedded
    vector     FLOAT[] NOT NULL,             -- unit-length float32 vector
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (model, text_sha1)
);
