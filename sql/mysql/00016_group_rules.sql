-- Group rules: every member of a group, present and future, is reminded
-- of the events whose title matches, each on their own preferred channels
-- and leads (user_preferences; channels and leads here are the fallback
-- for members who set none). A group rule has its own ids ("g<id>" in the
-- shell); the registrations it makes are per member, origin
-- "grouprule:<id>", rule_id NULL. MySQL commits DDL implicitly: the
-- statement is safe to run again.

-- +goose Up
CREATE TABLE IF NOT EXISTS group_rules (
    id          BIGINT        NOT NULL AUTO_INCREMENT,
    group_id    BIGINT        NOT NULL,
    pattern     VARCHAR(1024) NOT NULL, -- RE2
    calendar_id BIGINT        NULL,     -- NULL: every calendar
    channels    VARCHAR(255)  NOT NULL, -- fallback for members without preferences: "push,email"
    leads       VARCHAR(255)  NOT NULL, -- fallback lead times in seconds: "600,120"
    active      BOOLEAN       NOT NULL DEFAULT TRUE,
    created_at  DATETIME(6)   NOT NULL,
    updated_at  DATETIME(6)   NOT NULL,
    PRIMARY KEY (id),
    KEY group_rules_group (group_id),
    CONSTRAINT group_rules_group_fk FOREIGN KEY (group_id) REFERENCES member_groups (id) ON DELETE CASCADE,
    CONSTRAINT group_rules_calendar_fk FOREIGN KEY (calendar_id) REFERENCES calendars (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
-- Forward-only: migrations are never rolled back.
