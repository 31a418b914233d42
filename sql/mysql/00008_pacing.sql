-- invoke: the next free send slot of each rate-limited channel (Twilio's
-- calls and texts per second), shared by every invoke process on this
-- database. A claim that takes calls or texts locks the channel's row,
-- gives each claimed send a slot 1/rate after the last one, and moves the
-- row on. One row per channel, made here, so that the lock never falls on
-- a gap. MySQL commits DDL implicitly: both statements are safe to run again.

-- +goose Up
CREATE TABLE IF NOT EXISTS pacing (
    channel      VARCHAR(16) NOT NULL PRIMARY KEY,
    next_slot_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT IGNORE INTO pacing (channel, next_slot_at) VALUES ('call', '1970-01-01 00:00:00'), ('sms', '1970-01-01 00:00:00');

-- +goose Down
-- Forward-only: migrations are never rolled back.
