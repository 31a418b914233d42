-- The registrations that calendar-sync cancelled because their event was
-- cancelled or removed from its calendar: they show as cancelled, with
-- why, and come back if the event does.

-- +goose Up
CREATE TABLE IF NOT EXISTS registration_event_cancelled (
    registration_id BIGINT      NOT NULL,
    cancelled_at    DATETIME(6) NOT NULL,
    PRIMARY KEY (registration_id),
    CONSTRAINT registration_event_cancelled_registration_fk FOREIGN KEY (registration_id) REFERENCES registrations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
-- Forward-only: migrations are never rolled back.
