-- Whether the registrations a group rule made are told, through their
-- channels, that their event moved or was cancelled (calsync.notice_window),
-- as rule_notices says for a person's rule. No row: the defaults (both
-- on).

-- +goose Up
CREATE TABLE IF NOT EXISTS group_rule_notices (
    group_rule_id    INTEGER  NOT NULL PRIMARY KEY,
    notify_moved     INTEGER  NOT NULL DEFAULT 1,
    notify_cancelled INTEGER  NOT NULL DEFAULT 1,
    updated_at       DATETIME NOT NULL,
    FOREIGN KEY (group_rule_id) REFERENCES group_rules (id) ON DELETE CASCADE
);

-- +goose Down
-- Forward-only: migrations are never rolled back.
