-- serve-panel: per-user API tokens for the JSON API under /api/v1/ (only
-- the SHA-256 of a token is stored; the token itself is shown once), and
-- two indexes for the panel's busiest reads: a person's unread
-- notifications counted without reading the rows (every page's header),
-- and their upcoming registrations in order (the Upcoming page).

-- +goose Up
CREATE TABLE IF NOT EXISTS api_tokens (
    id           INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT       NOT NULL,
    name         VARCHAR(128) NOT NULL, -- what the person calls it: "indico sync script"
    token_hash   CHAR(64)     NOT NULL, -- hex SHA-256 of the token
    created_at   DATETIME     NOT NULL,
    last_used_at DATETIME     NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens (user_id);

CREATE INDEX IF NOT EXISTS deliveries_unread ON deliveries (user_id, state, read_at);
CREATE INDEX IF NOT EXISTS registrations_upcoming ON registrations (user_id, status, start_at);

-- +goose Down
-- Forward-only: migrations are never rolled back.
