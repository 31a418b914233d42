-- Messages sent now (or at a set time) to groups and people, by an admin,
-- the CLI's send or another system through the API. Each recipient gets a
-- registration (origin "message:<id>") with one delivery of kind
-- "message" on the first of their channels that reaches them, so that a
-- message goes through the outbox as reminders do.

-- +goose Up
CREATE TABLE IF NOT EXISTS messages (
    id           INTEGER       NOT NULL PRIMARY KEY AUTOINCREMENT,
    title        VARCHAR(255)  NOT NULL,
    body         TEXT          NOT NULL,
    send_at      DATETIME      NOT NULL,
    created_by   VARCHAR(64)   NOT NULL,
    created_at   DATETIME      NOT NULL,
    cancelled_at DATETIME      NULL
);

-- +goose Down
-- Forward-only: migrations are never rolled back.
