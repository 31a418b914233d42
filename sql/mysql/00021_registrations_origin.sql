-- The registrations of one origin: a message's ("message:<id>", cancelled
-- or counted together) and a group rule's ("grouprule:<id>", paused or
-- removed together) were found by reading every registration.

-- +goose Up
SET @pfsnotify_ddl := (SELECT IF(COUNT(*) = 0, 'CREATE INDEX registrations_origin ON registrations (origin, status)', 'DO 0')
    FROM information_schema.statistics
    WHERE table_schema = DATABASE() AND table_name = 'registrations' AND index_name = 'registrations_origin');
PREPARE pfsnotify_stmt FROM @pfsnotify_ddl;
EXECUTE pfsnotify_stmt;
DEALLOCATE PREPARE pfsnotify_stmt;

-- +goose Down
-- Forward-only: migrations are never rolled back.
