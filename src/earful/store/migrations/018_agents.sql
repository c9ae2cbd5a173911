-- Agents and teams (agent coaching), and two dashboard roles: a supervisor sees the agents of their
-- team, an agent sees only their own page. web_users is rebuilt because its role check is a column
-- constraint (DuckDB cannot alter one); every row and column is kept.
CREATE TABLE agent_teams (
    agent_id   VARCHAR PRIMARY KEY,
    team       VARCHAR NOT NULL,
    name       VARCHAR                    -- the agent's display name, when known
);

ALTER TABLE web_users RENAME TO web_users_before_agents;
CREATE TABLE web_users (
    name          VARCHAR PRIMARY KEY,
    password_hash VARCHAR NOT NULL,
    role          VARCHAR NOT NULL CHECK (role IN ('admin', 'analyst', 'department', 'executive', 'supervisor', 'agent')),
    department    VARCHAR,
    disabled      BOOLEAN NOT NULL DEFAULT false,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    agent_id      VARCHAR,                -- the agent an 'agent' user is
    team          VARCHAR,                -- the team a 'supervisor' leads
    CHECK (role <> 'department' OR department IS NOT NULL),
    CHECK (role <> 'agent' OR agent_id IS NOT NULL),
    CHECK (role <> 'supervisor' OR team IS NOT NULL)
);
INSERT INTO web_users (name, password_hash, role, department, disabled, created_at)
    SELECT name, password_hash, role, department, disabled, created_at FROM web_users_before_agents;
DROP TABLE web_users_before_agents;
