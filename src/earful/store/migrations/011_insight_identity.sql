-- Insight identity (earful.insights): an insight is its kind + subject (the reason, topic, competitor
-- or product it is about; '' when the kind has none) + episode (the day an emerging issue began; the
-- first day of the month for the kinds kept per month). Re-runs update the insight with that
-- identity instead of adding a twin. insight_runs records every analysed window (the months they
-- touch are kept up to date over all their analysed days); insight_merges records each insight
-- folded into another, so an old link or notification still finds it.
ALTER TABLE insights ADD COLUMN subject VARCHAR;
ALTER TABLE insights ADD COLUMN episode_start DATE;
ALTER TABLE insights ADD COLUMN updated_at TIMESTAMP;
ALTER TABLE insights ADD COLUMN retired_at TIMESTAMP;   -- no longer found by a later run over its days
ALTER TABLE insights ADD COLUMN retired_note VARCHAR;

CREATE TABLE insight_runs (
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    at_time      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE insight_merges (
    merged_id VARCHAR PRIMARY KEY,   -- the insight that was folded in (its row is gone)
    into_id   VARCHAR NOT NULL,      -- the insight that carries its routes, history and values
    merged_at TIMESTAMP NOT NULL,
    note      VARCHAR
);

-- Identity of the insights already stored.
UPDATE insights SET
    subject = coalesce(CASE WHEN kind = 'competitor' THEN json_extract_string(metrics, '$.competitor') END,
                       reason, topic, ''),
    episode_start = CASE WHEN kind = 'emerging_issue'
                         THEN coalesce(TRY_CAST(json_extract_string(metrics, '$.first_day') AS DATE), period_start)
                         ELSE CAST(date_trunc('month', coalesce(period_end, period_start, CAST(created_at AS DATE))) AS DATE) END,
    updated_at = created_at;

INSERT INTO insight_runs (period_start, period_end, at_time)
SELECT DISTINCT period_start, period_end, min(created_at) OVER (PARTITION BY period_start, period_end)
FROM insights WHERE period_start IS NOT NULL AND period_end IS NOT NULL;

-- Twins: insights with the same identity, stored by runs over different windows. The first one
-- stored is kept and takes the figures of the latest; the others' routes, history and values move
-- to it (a department's route keeps the state that got furthest), and each twin is recorded.
CREATE TEMP TABLE _twins AS
WITH g AS (
    SELECT id, created_at,
           first_value(id) OVER (PARTITION BY kind, subject, episode_start ORDER BY created_at, id) AS keeper,
           first_value(id) OVER (PARTITION BY kind, subject, episode_start ORDER BY created_at DESC, id DESC) AS latest
    FROM insights)
SELECT id AS twin, keeper, latest FROM g WHERE id <> keeper;

UPDATE insights AS k SET title = l.title, summary = l.summary, period_start = l.period_start,
       period_end = l.period_end, reason = l.reason, topic = l.topic, metrics = l.metrics, evidence = l.evidence,
       suggested_department = l.suggested_department, confidence = l.confidence, updated_at = l.created_at
FROM (SELECT DISTINCT t.keeper, i.* FROM _twins t JOIN insights i ON i.id = t.latest WHERE t.latest <> t.keeper) l
WHERE k.id = l.keeper;

CREATE TEMP TABLE _twin_routes AS
WITH r AS (
    SELECT coalesce(t.keeper, r.insight_id) AS keeper, r.*, t.twin IS NULL AS is_keeper,
           CASE r.state WHEN 'value_confirmed' THEN 5 WHEN 'actioned' THEN 4 WHEN 'acknowledged' THEN 3
                        WHEN 'dismissed' THEN 2 WHEN 'shared' THEN 1 ELSE 0 END AS progress
    FROM ledger_routes r LEFT JOIN _twins t ON t.twin = r.insight_id
    WHERE r.insight_id IN (SELECT twin FROM _twins) OR r.insight_id IN (SELECT keeper FROM _twins))
SELECT keeper, department,
       arg_max(state, progress * 10 + CAST(is_keeper AS INTEGER)) AS state,
       arg_max(rule, progress * 10 + CAST(is_keeper AS INTEGER)) AS rule,
       min(routed_at) AS routed_at, max(updated_at) AS updated_at,
       bool_or(is_keeper) AS keeper_had_it, count(*) AS n
FROM r GROUP BY keeper, department;

UPDATE ledger_routes AS x SET state = w.state, rule = w.rule, routed_at = w.routed_at, updated_at = w.updated_at
FROM _twin_routes w WHERE x.insight_id = w.keeper AND x.department = w.department AND w.keeper_had_it;

INSERT INTO ledger_routes (insight_id, department, rule, state, routed_at, updated_at)
SELECT keeper, department, rule, state, routed_at, updated_at FROM _twin_routes WHERE NOT keeper_had_it;

DELETE FROM ledger_routes WHERE insight_id IN (SELECT twin FROM _twins);

UPDATE ledger_history AS h SET insight_id = t.keeper FROM _twins t WHERE h.insight_id = t.twin;
UPDATE ledger_values AS v SET insight_id = t.keeper FROM _twins t WHERE v.insight_id = t.twin;

INSERT INTO ledger_history (insight_id, department, from_state, to_state, who, at_time, note)
SELECT keeper, department, state, state, 'earful', current_timestamp,
       'a duplicate of this insight stored by a later run was merged into it (route kept in its furthest state)'
FROM _twin_routes WHERE n > 1 OR NOT keeper_had_it;

INSERT INTO insight_merges (merged_id, into_id, merged_at, note)
SELECT twin, keeper, current_timestamp, 'same kind, subject and episode (stored by runs over different windows)'
FROM _twins;

DELETE FROM insights WHERE id IN (SELECT twin FROM _twins);

DROP TABLE _twin_routes;
DROP TABLE _twins;
