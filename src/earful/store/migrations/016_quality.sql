-- Quality (earful.quality): the QA rubrics a store has used, each interaction's score and item
-- verdicts under the active rubric, human evaluations imported for calibration, and the item
-- classifiers learnt from them (files beside the store, in <store>.models/).
CREATE TABLE qa_rubrics (
    version     VARCHAR PRIMARY KEY,      -- hash of the rubric text
    name        VARCHAR NOT NULL,
    text        VARCHAR NOT NULL,         -- the YAML as given
    active      BOOLEAN NOT NULL DEFAULT false,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE qa_scores (
    interaction_id   VARCHAR PRIMARY KEY,
    rubric_version   VARCHAR NOT NULL,
    score            DOUBLE CHECK (score BETWEEN 0 AND 100),   -- NULL when no item applies
    auto_failed      BOOLEAN NOT NULL,
    items_applicable INTEGER NOT NULL,
    items_failed     INTEGER NOT NULL,
    scored_at        TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE qa_items (
    interaction_id VARCHAR NOT NULL,
    item           VARCHAR NOT NULL,
    verdict        VARCHAR NOT NULL CHECK (verdict IN ('pass', 'fail', 'na')),
    evidence_seq   INTEGER,               -- the turn that decided it (turns.seq)
    confidence     DOUBLE,
    detector       VARCHAR,               -- rule | learnt
    PRIMARY KEY (interaction_id, item)
);

-- Human QA evaluations (earful qa import): one score per interaction, evaluator and item.
CREATE TABLE qa_evaluations (
    interaction_id VARCHAR NOT NULL,
    evaluator      VARCHAR NOT NULL,
    item           VARCHAR NOT NULL,
    score          VARCHAR NOT NULL CHECK (score IN ('pass', 'fail', 'na')),
    import_id      BIGINT,
    PRIMARY KEY (interaction_id, evaluator, item)
);

-- Item classifiers learnt from human evaluations, with how well they agreed in cross-validation.
CREATE TABLE qa_models (
    item        VARCHAR PRIMARY KEY,
    path        VARCHAR NOT NULL,         -- model file, relative to the store's folder
    trained_on  INTEGER NOT NULL,         -- human scores used
    metrics     JSON,                     -- cross-validated kappa of the classifier and of the rule
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
