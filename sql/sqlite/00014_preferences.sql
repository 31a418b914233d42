-- Each person's default channels (in order: the first that reaches them is
-- used, the next on failure) and default lead times, used where a group
-- rule or a message sent to a group names none. No row: the deployment's
-- defaults.

-- +goose Up
CREATE TABLE IF NOT EXISTS user_preferences (
    user_id    BIGINT       NOT NULL PRIMARY KEY,
    channels   VARCHAR(255) NOT NULL,
    leads      VARCHAR(255) NOT NULL,
    updated_at DATETIME     NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

-- +goose Down
-- Forward-only: migrations are never rolled back.
