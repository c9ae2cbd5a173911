-- Each contact's next contact by the same customer, kept at import so that FCR is a column read
-- (earful.metrics.next_contact). is_contact says whether the record is a customer's contact for
-- FCR; earful sets it with next_contact_at, so a row written any other way leaves it NULL, and
-- metrics then fall back to computing the window.
ALTER TABLE interactions ADD COLUMN next_contact_at TIMESTAMP;
ALTER TABLE interactions ADD COLUMN is_contact BOOLEAN;
