-- Whether the registrations a group rule made are told, through their
-- channels, that their event moved or was cancelled (calsync.notice_window),
-- as rule_notices says for a person's rule. No row: the defaults (both
-- on). MySQL commits DDL implicitly: the statement is safe to run again.

-- +goose Up
CREATE TABLE IF NOT EXISTS group_rule_notices (
    group_rule_id    BIGINT      NOT NULL,
    notify_moved     BOOLEAN     NOT NULL DEFAULT TRUE,
    notify_cancelled BOOLEAN     NOT NULL DEFAULT TRUE,
    updated_at       DATETIME(6) NOT NULL,
    PRIMARY KEY (group_rule_id),
    CONSTRAINT group_rule_notices_rule_fk FOREIGN KEY (group_rule_id) REFERENCES group_rules (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
-- Forward-only: migrations are never rolled back.
