-- Each contact's wait counted in its queue's business hours, kept when it is imported and when the
-- service definitions change (earful.metrics.business_waits), so that metrics read a column instead
-- of walking the calendar for every row. business_clock names the calendar (and centre zone) it was
-- counted in; a row whose definition now uses another clock, or that was written outside earful's
-- import, does not match and metrics count its wait on the fly.
ALTER TABLE interactions ADD COLUMN business_wait_s DOUBLE;
ALTER TABLE interactions ADD COLUMN business_clock VARCHAR;
