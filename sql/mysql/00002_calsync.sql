-- calendar-sync: the per-calendar lock and sync state, per-rule change
-- notices, and the registrations that calendar-sync cancelled because their
-- event stopped matching their rule (so that it may revive them).
-- MySQL commits DDL implicitly: every statement is safe to run again.

-- +goose Up
CREATE TABLE IF NOT EXISTS calendar_sync_state (
    calendar_id    BIGINT       NOT NULL,
    lock_owner     VARCHAR(128) NULL,     -- who syncs the calendar now: "host pid N token"
    locked_until   DATETIME(6)  NULL,     -- the lease: after it, another sync may take the calendar over
    full_synced_at DATETIME(6)  NULL,     -- the last sync that read the whole window (not a sync token or a 304)
    PRIMARY KEY (calendar_id),
    CONSTRAINT calendar_sync_state_calendar_fk FOREIGN KEY (calendar_id) REFERENCES calendars (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rule_notices (
    rule_id          BIGINT      NOT NULL, -- no row: the defaults (both on)
    notify_moved     BOOLEAN     NOT NULL DEFAULT TRUE,
    notify_cancelled BOOLEAN     NOT NULL DEFAULT TRUE,
    updated_at       DATETIME(6) NOT NULL,
    PRIMARY KEY (rule_id),
    CONSTRAINT rule_notices_rule_fk FOREIGN KEY (rule_id) REFERENCES rules (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS registration_unmatched (
    registration_id BIGINT      NOT NULL, -- cancelled by calendar-sync: its event's title stopped matching its rule
    unmatched_at    DATETIME(6) NOT NULL,
    PRIMARY KEY (registration_id),
    CONSTRAINT registration_unmatched_registration_fk FOREIGN KEY (registration_id) REFERENCES registrations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
-- Forward-only: migrations are never rolled back.
