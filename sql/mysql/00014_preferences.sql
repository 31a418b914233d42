-- Each person's default channels (in order: the first that reaches them is
-- used, the next on failure) and default lead times, used where a group
-- rule or a message sent to a group names none. No row: the deployment's
-- defaults. MySQL commits DDL implicitly: the statement is safe to run again.

-- +goose Up
CREATE TABLE IF NOT EXISTS user_preferences (
    user_id    BIGINT       NOT NULL,
    channels   VARCHAR(255) NOT NULL,
    leads      VARCHAR(255) NOT NULL,
    updated_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (user_id),
    CONSTRAINT user_preferences_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
-- Forward-only: migrations are never rolled back.
