-- serve-panel: per-user API tokens for the JSON API under /api/v1/ (only
-- the SHA-256 of a token is stored; the token itself is shown once), and
-- two indexes for the panel's busiest reads: a person's unread
-- notifications counted without reading the rows (every page's header),
-- and their upcoming registrations in order (the Upcoming page).
-- MySQL commits DDL implicitly: each statement is safe to run again (MySQL 8
-- has no CREATE INDEX IF NOT EXISTS: the index is made only when missing).

-- +goose Up
CREATE TABLE IF NOT EXISTS api_tokens (
    id           BIGINT       NOT NULL AUTO_INCREMENT,
    user_id      BIGINT       NOT NULL,
    name         VARCHAR(128) NOT NULL, -- what the person calls it: "indico sync script"
    token_hash   CHAR(64)     NOT NULL, -- hex SHA-256 of the token
    created_at   DATETIME(6)  NOT NULL,
    last_used_at DATETIME(6)  NULL,
    PRIMARY KEY (id),
    UNIQUE KEY api_tokens_hash (token_hash),
    KEY api_tokens_user (user_id),
    CONSTRAINT api_tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

SET @pfsnotify_ddl := (SELECT IF(COUNT(*) = 0, 'CREATE INDEX deliveries_unread ON deliveries (user_id, state, read_at)', 'DO 0')
    FROM information_schema.statistics
    WHERE table_schema = DATABASE() AND table_name = 'deliveries' AND index_name = 'deliveries_unread');
PREPARE pfsnotify_stmt FROM @pfsnotify_ddl;
EXECUTE pfsnotify_stmt;
DEALLOCATE PREPARE pfsnotify_stmt;

SET @pfsnotify_ddl := (SELECT IF(COUNT(*) = 0, 'CREATE INDEX registrations_upcoming ON registrations (user_id, status, start_at)', 'DO 0')
    FROM information_schema.statistics
    WHERE table_schema = DATABASE() AND table_name = 'registrations' AND index_name = 'registrations_upcoming');
PREPARE pfsnotify_stmt FROM @pfsnotify_ddl;
EXECUTE pfsnotify_stmt;
DEALLOCATE PREPARE pfsnotify_stmt;

-- +goose Down
-- Forward-only: migrations are never rolled back.
