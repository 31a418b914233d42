-- The registrations that calendar-sync cancelled because their event was
-- cancelled or removed from its calendar: they show as cancelled, with
-- why, and come back if the event does.

-- +goose Up
CREATE TABLE IF NOT EXISTS registration_event_cancelled (
    registration_id INTEGER  NOT NULL PRIMARY KEY,
    cancelled_at    DATETIME NOT NULL,
    FOREIGN KEY (registration_id) REFERENCES registrations (id) ON DELETE CASCADE
);

-- +goose Down
-- Forward-only: migrations are never rolled back.
