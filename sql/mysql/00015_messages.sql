-- Messages sent now (or at a set time) to groups and people, by an admin,
-- the CLI's send or another system through the API. Each recipient gets a
-- registration (origin "message:<id>") with one delivery of kind
-- "message" on the first of their channels that reaches them, so that a
-- message goes through the outbox as reminders do. MySQL commits DDL
-- implicitly: the statement is safe to run again.

-- +goose Up
CREATE TABLE IF NOT EXISTS messages (
    id           BIGINT        NOT NULL AUTO_INCREMENT,
    title        VARCHAR(255)  NOT NULL,
    body         TEXT          NOT NULL,
    send_at      DATETIME(6)   NOT NULL,
    created_by   VARCHAR(64)   NOT NULL,
    created_at   DATETIME(6)   NOT NULL,
    cancelled_at DATETIME(6)   NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
-- Forward-only: migrations are never rolled back.
