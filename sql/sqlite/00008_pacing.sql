-- invoke: the next free send slot of each rate-limited channel (Twilio's
-- calls and texts per second), shared by every invoke process on this
-- database. A claim that takes calls or texts reads the channel's row in
-- its write transaction, gives each claimed send a slot 1/rate after the
-- last one, and moves the row on.

-- +goose Up
CREATE TABLE IF NOT EXISTS pacing (
    channel      TEXT     NOT NULL PRIMARY KEY,
    next_slot_at DATETIME NOT NULL
);

INSERT OR IGNORE INTO pacing (channel, next_slot_at) VALUES ('call', '1970-01-01 00:00:00'), ('sms', '1970-01-01 00:00:00');

-- +goose Down
-- Forward-only: migrations are never rolled back.
