-- A member who muted a group rule for themself: it makes them nothing new,
-- and muting cancelled their pending reminders from it. MySQL commits DDL
-- implicitly: the statement is safe to run again.

-- +goose Up
CREATE TABLE IF NOT EXISTS group_rule_mutes (
    group_rule_id BIGINT      NOT NULL,
    user_id       BIGINT      NOT NULL,
    muted_at      DATETIME(6) NOT NULL,
    PRIMARY KEY (group_rule_id, user_id),
    KEY group_rule_mutes_user (user_id),
    CONSTRAINT group_rule_mutes_rule_fk FOREIGN KEY (group_rule_id) REFERENCES group_rules (id) ON DELETE CASCADE,
    CONSTRAINT group_rule_mutes_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
-- Forward-only: migrations are never rolled back.
