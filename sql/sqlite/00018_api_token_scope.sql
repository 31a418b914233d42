-- API tokens get a scope: "all" (what their person may do, as before) or
-- "send" (an admin-issued token that may only send messages: another
-- system, such as the observatory's scheduler, alerting a group).

-- +goose Up
ALTER TABLE api_tokens ADD COLUMN scope VARCHAR(16) NOT NULL DEFAULT 'all';

-- +goose Down
-- Forward-only: migrations are never rolled back.
