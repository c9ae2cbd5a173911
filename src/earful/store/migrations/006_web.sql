-- Web dashboard (issue: web): people who sign in, their sessions and API tokens, and an
-- audit trail of what they did. Passwords are argon2id hashes; session and API tokens are
-- 256-bit random secrets stored only as their SHA-256 (a fast hash is enough for secrets
-- nobody can guess, and keeps every request cheap).
CREATE TABLE web_users (
    name          VARCHAR PRIMARY KEY,
    password_hash VARCHAR NOT NULL,
    role          VARCHAR NOT NULL CHECK (role IN ('admin', 'analyst', 'department', 'executive')),
    department    VARCHAR,
    disabled      BOOLEAN NOT NULL DEFAULT false,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    CHECK (role <> 'department' OR department IS NOT NULL)
);

CREATE TABLE web_sessions (
    token_sha256 VARCHAR PRIMARY KEY,
    user_name    VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    expires_at   TIMESTAMP NOT NULL
);

CREATE TABLE web_tokens (
    token_sha256 VARCHAR PRIMARY KEY,
    user_name    VARCHAR NOT NULL,
    label        VARCHAR,
    created_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    expires_at   TIMESTAMP,
    revoked      BOOLEAN NOT NULL DEFAULT false
);

-- Who did what from the dashboard or the API (lifecycle buttons, user changes).
CREATE TABLE web_audit (
    happened_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    user_name VARCHAR,
    action    VARCHAR NOT NULL,
    target    VARCHAR,
    detail    JSON
);
