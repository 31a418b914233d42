-- A member who muted a group rule for themself: it makes them nothing new,
-- and muting cancelled their pending reminders from it.

-- +goose Up
CREATE TABLE IF NOT EXISTS group_rule_mutes (
    group_rule_id BIGINT   NOT NULL,
    user_id       BIGINT   NOT NULL,
    muted_at      DATETIME NOT NULL,
    PRIMARY KEY (group_rule_id, user_id),
    FOREIGN KEY (group_rule_id) REFERENCES group_rules (id) ON DELETE CASCADE,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS group_rule_mutes_user ON group_rule_mutes (user_id);

-- +goose Down
-- Forward-only: migrations are never rolled back.
