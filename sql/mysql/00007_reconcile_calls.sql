-- invoke: the calls whose status callbacks never came (serve-twiml
-- unreachable, a wrong public_url) are looked up at Twilio once they have
-- been sent and unchanged for twiml.reconcile_after. This index finds them
-- among every sent delivery of every channel, oldest change first.
-- MySQL commits DDL implicitly: the statement is safe to run again.

-- +goose Up
SET @pfsnotify_ddl := (SELECT IF(COUNT(*) = 0, 'CREATE INDEX deliveries_reconcile ON deliveries (state, channel, updated_at)', 'DO 0')
    FROM information_schema.statistics
    WHERE table_schema = DATABASE() AND table_name = 'deliveries' AND index_name = 'deliveries_reconcile');
PREPARE pfsnotify_stmt FROM @pfsnotify_ddl;
EXECUTE pfsnotify_stmt;
DEALLOCATE PREPARE pfsnotify_stmt;

-- +goose Down
-- Forward-only: migrations are never rolled back.
