-- Failed sign-ins, per account name (as typed, whether or not such a user exists) and per
-- client address: the dashboard slows down and then locks out whoever keeps guessing.
-- A success, or an admin lifting the lockout, clears a row.
CREATE TABLE web_login_failures (
    scope          VARCHAR NOT NULL CHECK (scope IN ('account', 'address')),
    key            VARCHAR NOT NULL,
    failures       INTEGER NOT NULL DEFAULT 0,   -- consecutive wrong passwords that were checked
    last_failed_at TIMESTAMP,
    locked_until   TIMESTAMP,                    -- set once failures reach the lockout threshold
    PRIMARY KEY (scope, key)
);
