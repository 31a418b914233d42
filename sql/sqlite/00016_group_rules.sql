-- Group rules: every member of a group, present and future, is reminded
-- of the events whose title matches, each on their own preferred channels
-- and leads (user_preferences; channels and leads here are the fallback
-- for members who set none). A group rule has its own ids ("g<id>" in the
-- shell); the registrations it makes are per member, origin
-- "grouprule:<id>", rule_id NULL.

-- +goose Up
CREATE TABLE IF NOT EXISTS group_rules (
    id          INTEGER       NOT NULL PRIMARY KEY AUTOINCREMENT,
    group_id    BIGINT        NOT NULL,
    pattern     VARCHAR(1024) NOT NULL,
    calendar_id BIGINT        NULL,
    channels    VARCHAR(255)  NOT NULL,
    leads       VARCHAR(255)  NOT NULL,
    active      BOOLEAN       NOT NULL DEFAULT TRUE,
    created_at  DATETIME      NOT NULL,
    updated_at  DATETIME      NOT NULL,
    FOREIGN KEY (group_id) REFERENCES member_groups (id) ON DELETE CASCADE,
    FOREIGN KEY (calendar_id) REFERENCES calendars (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS group_rules_group ON group_rules (group_id);

-- +goose Down
-- Forward-only: migrations are never rolled back.
