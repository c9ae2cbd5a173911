-- Imports that report and apply changed records, retry their quarantine and remember how they
-- mapped the file (earful.ingest): rows whose content differs from what the store holds under
-- the same id (and how many of them `--update` replaced), the import a retry re-ran, and the
-- mapping YAML as the user wrote it.
ALTER TABLE imports ADD COLUMN rows_changed BIGINT DEFAULT 0;
ALTER TABLE imports ADD COLUMN rows_updated BIGINT DEFAULT 0;
ALTER TABLE imports ADD COLUMN retry_of BIGINT;
ALTER TABLE imports ADD COLUMN mapping_text VARCHAR;
