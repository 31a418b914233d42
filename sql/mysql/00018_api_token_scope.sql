-- API tokens get a scope: "all" (what their person may do, as before) or
-- "send" (an admin-issued token that may only send messages: another
-- system, such as the observatory's scheduler, alerting a group).
-- MySQL commits DDL implicitly: the statement is safe to run again.

-- +goose Up
SET @pfsnotify_ddl := (SELECT IF(COUNT(*) = 0, 'ALTER TABLE api_tokens ADD COLUMN scope VARCHAR(16) NOT NULL DEFAULT ''all''', 'DO 0')
    FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'api_tokens' AND column_name = 'scope');
PREPARE pfsnotify_stmt FROM @pfsnotify_ddl;
EXECUTE pfsnotify_stmt;
DEALLOCATE PREPARE pfsnotify_stmt;

-- +goose Down
-- Forward-only: migrations are never rolled back.
