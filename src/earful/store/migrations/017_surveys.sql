-- Surveys (earful.surveys). A survey response is an interaction with channel 'survey' (its CSAT, NPS
-- and CES in the interaction's columns, its comment as text, the contact it rates as related_id);
-- every question it answered, however many, is a row here.
CREATE TABLE survey_answers (
    interaction_id VARCHAR NOT NULL,      -- the response (interactions.id)
    question       VARCHAR NOT NULL,
    scale          VARCHAR NOT NULL CHECK (scale IN ('csat', 'nps', 'ces', 'other')),
    value          DOUBLE,
    PRIMARY KEY (interaction_id, question)
);

-- Predicted satisfaction of every answered contact (earful surveys predict), and the model that made it.
CREATE TABLE satisfaction_predictions (
    interaction_id VARCHAR PRIMARY KEY,
    predicted_csat DOUBLE CHECK (predicted_csat BETWEEN 1 AND 5),
    p_dissatisfied DOUBLE CHECK (p_dissatisfied BETWEEN 0 AND 1),   -- P(CSAT 1 or 2), calibrated
    model          VARCHAR NOT NULL,
    predicted_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE satisfaction_models (
    name        VARCHAR PRIMARY KEY,
    path        VARCHAR NOT NULL,         -- model file, relative to the store's folder
    trained_on  INTEGER NOT NULL,         -- surveyed contacts it learnt from
    metrics     JSON,                     -- AUC, MAE, calibration on the held-out surveyed contacts
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
