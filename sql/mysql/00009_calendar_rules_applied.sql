-- calendar-sync applies the rules to what changed only: the events written
-- since the last time, those that came into the window since, and every
-- event for the rules that are new or changed. This row says where the
-- last successful application of a calendar's rules left off.

-- +goose Up
CREATE TABLE IF NOT EXISTS calendar_rules_applied (
    calendar_id BIGINT      NOT NULL PRIMARY KEY,
    applied_at  DATETIME(6) NOT NULL, -- events written (updated_at) at or after it are new to the rules
    window_to   DATETIME(6) NOT NULL, -- the end of the window the rules were applied to: later events are new to them
    rules       MEDIUMTEXT  NOT NULL, -- the rules applied and the version of each: "id:hash id:hash ..."
    CONSTRAINT calendar_rules_applied_calendar_fk FOREIGN KEY (calendar_id) REFERENCES calendars (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
-- Forward-only: migrations are never rolled back.
