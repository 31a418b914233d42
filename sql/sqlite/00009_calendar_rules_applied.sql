-- calendar-sync applies the rules to what changed only: the events written
-- since the last time, those that came into the window since, and every
-- event for the rules that are new or changed. This row says where the
-- last successful application of a calendar's rules left off.

-- +goose Up
CREATE TABLE IF NOT EXISTS calendar_rules_applied (
    calendar_id INTEGER  NOT NULL PRIMARY KEY,
    applied_at  DATETIME NOT NULL, -- events written (updated_at) at or after it are new to the rules
    window_to   DATETIME NOT NULL, -- the end of the window the rules were applied to: later events are new to them
    rules       TEXT     NOT NULL, -- the rules applied and the version of each: "id:hash id:hash ..."
    FOREIGN KEY (calendar_id) REFERENCES calendars (id) ON DELETE CASCADE
);

-- +goose Down
-- Forward-only: migrations are never rolled back.
