-- calendar-sync: the per-calendar lock and sync state, per-rule change
-- notices, and the registrations that calendar-sync cancelled because their
-- event stopped matching their rule (so that it may revive them).

-- +goose Up
CREATE TABLE IF NOT EXISTS calendar_sync_state (
    calendar_id    INTEGER      NOT NULL PRIMARY KEY,
    lock_owner     VARCHAR(128) NULL,     -- who syncs the calendar now: "host pid N token"
    locked_until   DATETIME     NULL,     -- the lease: after it, another sync may take the calendar over
    full_synced_at DATETIME     NULL,     -- the last sync that read the whole window (not a sync token or a 304)
    FOREIGN KEY (calendar_id) REFERENCES calendars (id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS rule_notices (
    rule_id          INTEGER  NOT NULL PRIMARY KEY, -- no row: the defaults (both on)
    notify_moved     INTEGER  NOT NULL DEFAULT 1,
    notify_cancelled INTEGER  NOT NULL DEFAULT 1,
    updated_at       DATETIME NOT NULL,
    FOREIGN KEY (rule_id) REFERENCES rules (id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS registration_unmatched (
    registration_id INTEGER  NOT NULL PRIMARY KEY, -- cancelled by calendar-sync: its event's title stopped matching its rule
    unmatched_at    DATETIME NOT NULL,
    FOREIGN KEY (registration_id) REFERENCES registrations (id) ON DELETE CASCADE
);

-- +goose Down
-- Forward-only: migrations are never rolled back.
