-- The registrations of one origin: a message's ("message:<id>", cancelled
-- or counted together) and a group rule's ("grouprule:<id>", paused or
-- removed together) were found by reading every registration.

-- +goose Up
CREATE INDEX IF NOT EXISTS registrations_origin ON registrations (origin, status);

-- +goose Down
-- Forward-only: migrations are never rolled back.
