-- Text enrichment (issue 5, `earful enrich`): one row per interaction, plus redacted turns.
-- reason / reason_confidence / topic_id are filled by the reason classifier and topic model.
CREATE TABLE enrichment (
    interaction_id    VARCHAR PRIMARY KEY,
    redacted_text     VARCHAR,            -- the text (or "speaker: text" lines) with PII as [TYPE]
    sentiment         DOUBLE CHECK (sentiment BETWEEN -1 AND 1),      -- customer's words overall
    end_sentiment     DOUBLE CHECK (end_sentiment BETWEEN -1 AND 1),  -- customer's last turns
    abusive           BOOLEAN,
    feedback_type     VARCHAR CHECK (feedback_type IN ('complaint', 'request', 'praise', 'question', 'churn_threat', 'other')),
    mentions          JSON,               -- [{"kind": "product"|"competitor", "name", "matched", "score"}]
    key_phrases       JSON,               -- ["phrase", ...] best first
    reason            VARCHAR,
    reason_confidence DOUBLE,
    topic_id          INTEGER,
    enriched_at       TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Each turn redacted (what a department or report may show), with the customer's turn sentiment.
CREATE TABLE enrichment_turns (
    interaction_id VARCHAR NOT NULL,
    seq            INTEGER NOT NULL,
    speaker        VARCHAR NOT NULL,
    redacted_text  VARCHAR,
    sentiment      DOUBLE,             -- customer turns only
    PRIMARY KEY (interaction_id, seq)
);
