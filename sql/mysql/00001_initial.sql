-- The initial schema of pfsnotify on MySQL 8 / MariaDB 10.6+.
-- Every instant is UTC (DATETIME(6), the driver runs with parseTime=true&loc=UTC).
-- MySQL commits DDL implicitly, so each statement is safe to run again.

-- +goose Up
CREATE TABLE IF NOT EXISTS users (
    id            BIGINT       NOT NULL AUTO_INCREMENT,
    login         VARCHAR(64)  NOT NULL,
    display_name  VARCHAR(255) NOT NULL DEFAULT '',
    email         VARCHAR(255) NOT NULL DEFAULT '',
    phone         VARCHAR(20)  NOT NULL DEFAULT '',
    time_zone     VARCHAR(64)  NOT NULL,
    language      VARCHAR(35)  NOT NULL,
    role          VARCHAR(16)  NOT NULL DEFAULT 'member',
    password_hash VARCHAR(255) NULL,
    disabled      BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY users_login (login)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS push_subscriptions (
    id                   BIGINT        NOT NULL AUTO_INCREMENT,
    user_id              BIGINT        NOT NULL,
    endpoint             TEXT          NOT NULL,
    endpoint_hash        CHAR(64)      NOT NULL, -- hex SHA-256 of endpoint: endpoints are too long for a unique index
    p256dh               VARCHAR(255)  NOT NULL,
    auth                 VARCHAR(255)  NOT NULL,
    user_agent           VARCHAR(512)  NOT NULL DEFAULT '',
    created_at           DATETIME(6)   NOT NULL,
    last_success_at      DATETIME(6)   NULL,
    consecutive_failures INT           NOT NULL DEFAULT 0,
    expired_at           DATETIME(6)   NULL,
    PRIMARY KEY (id),
    UNIQUE KEY push_subscriptions_endpoint (endpoint_hash),
    KEY push_subscriptions_user (user_id),
    CONSTRAINT push_subscriptions_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS calendars (
    id             BIGINT        NOT NULL AUTO_INCREMENT,
    name           VARCHAR(128)  NOT NULL,
    kind           VARCHAR(16)   NOT NULL, -- google | ics
    source         TEXT          NOT NULL, -- Google calendar id, or ICS URL / file path
    time_zone      VARCHAR(64)   NOT NULL,
    sync_token     TEXT          NULL,     -- Google nextSyncToken
    etag           VARCHAR(512)  NULL,     -- ICS ETag
    last_modified  VARCHAR(64)   NULL,     -- ICS Last-Modified, as the server sent it
    last_synced_at DATETIME(6)   NULL,
    last_error     TEXT          NULL,
    created_at     DATETIME(6)   NOT NULL,
    updated_at     DATETIME(6)   NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY calendars_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS events (
    id                BIGINT        NOT NULL AUTO_INCREMENT,
    calendar_id       BIGINT        NOT NULL,
    external_id       VARCHAR(512)  NOT NULL, -- one row per occurrence: the source's id of that occurrence
    title             VARCHAR(1024) NOT NULL,
    description       TEXT          NOT NULL,
    location          TEXT          NOT NULL,
    url               TEXT          NOT NULL,
    start_at          DATETIME(6)   NOT NULL,
    end_at            DATETIME(6)   NOT NULL,
    all_day           BOOLEAN       NOT NULL DEFAULT FALSE,
    time_zone         VARCHAR(64)   NOT NULL,
    status            VARCHAR(16)   NOT NULL DEFAULT 'confirmed', -- confirmed | cancelled
    source_updated_at DATETIME(6)   NULL,
    created_at        DATETIME(6)   NOT NULL,
    updated_at        DATETIME(6)   NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY events_external (calendar_id, external_id),
    KEY events_start (start_at),
    CONSTRAINT events_calendar_fk FOREIGN KEY (calendar_id) REFERENCES calendars (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rules (
    id          BIGINT        NOT NULL AUTO_INCREMENT,
    user_id     BIGINT        NOT NULL,
    pattern     VARCHAR(1024) NOT NULL, -- RE2
    calendar_id BIGINT        NULL,     -- NULL: every calendar
    channels    VARCHAR(255)  NOT NULL, -- "push,call"
    leads       VARCHAR(255)  NOT NULL, -- lead times in seconds, "600,120"
    active      BOOLEAN       NOT NULL DEFAULT TRUE,
    created_at  DATETIME(6)   NOT NULL,
    updated_at  DATETIME(6)   NOT NULL,
    PRIMARY KEY (id),
    KEY rules_user (user_id),
    CONSTRAINT rules_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT rules_calendar_fk FOREIGN KEY (calendar_id) REFERENCES calendars (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS registrations (
    id           BIGINT        NOT NULL AUTO_INCREMENT,
    user_id      BIGINT        NOT NULL,
    event_id     BIGINT        NULL,     -- a synced event, or NULL for an ad-hoc instant
    rule_id      BIGINT        NULL,     -- the rule that created it; NULL: made by hand
    origin       VARCHAR(32)   NOT NULL, -- "manual" or "rule:<id>"
    title        VARCHAR(1024) NOT NULL, -- ad-hoc title, or the event's title when registered
    message      TEXT          NOT NULL,
    start_at     DATETIME(6)   NOT NULL, -- the instant reminded of (the event's start for event registrations)
    time_zone    VARCHAR(64)   NOT NULL, -- the zone the start was given in
    channels     VARCHAR(255)  NOT NULL,
    leads        VARCHAR(255)  NOT NULL,
    status       VARCHAR(16)   NOT NULL DEFAULT 'active', -- active | cancelled
    created_by   VARCHAR(64)   NOT NULL, -- login of who made it, or "rule:<id>" / "calendar-sync"
    cancelled_at DATETIME(6)   NULL,
    created_at   DATETIME(6)   NOT NULL,
    updated_at   DATETIME(6)   NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY registrations_event_origin (user_id, event_id, origin),
    KEY registrations_event (event_id),
    KEY registrations_rule (rule_id),
    KEY registrations_start (start_at),
    CONSTRAINT registrations_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT registrations_event_fk FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE SET NULL,
    CONSTRAINT registrations_rule_fk FOREIGN KEY (rule_id) REFERENCES rules (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS deliveries (
    id              BIGINT        NOT NULL AUTO_INCREMENT,
    registration_id BIGINT        NOT NULL,
    user_id         BIGINT        NOT NULL, -- the person reminded (the inbox reads by it)
    kind            VARCHAR(16)   NOT NULL DEFAULT 'reminder', -- reminder | moved | cancelled | test
    channel         VARCHAR(16)   NOT NULL,
    lead_seconds    INT           NOT NULL,
    occurrence_at   DATETIME(6)   NOT NULL, -- the start this delivery reminds of
    due_at          DATETIME(6)   NOT NULL, -- occurrence_at - lead
    state           VARCHAR(16)   NOT NULL DEFAULT 'pending',
    attempts        INT           NOT NULL DEFAULT 0,
    next_attempt_at DATETIME(6)   NOT NULL, -- due_at, then the retry time; what the claim orders by
    lease_owner     VARCHAR(128)  NULL,
    lease_until     DATETIME(6)   NULL,
    target          VARCHAR(1024) NULL,     -- resolved at send time: phone, address, endpoint
    provider_ref    VARCHAR(128)  NULL,     -- e.g. the Twilio call SID
    token           CHAR(43)      NOT NULL, -- random, unguessable, base64url of 32 bytes
    last_error      TEXT          NULL,
    sent_at         DATETIME(6)   NULL,
    read_at         DATETIME(6)   NULL,
    created_at      DATETIME(6)   NOT NULL,
    updated_at      DATETIME(6)   NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY deliveries_once (registration_id, kind, occurrence_at, channel, lead_seconds),
    UNIQUE KEY deliveries_token (token),
    KEY deliveries_due (state, next_attempt_at, id),
    KEY deliveries_lease (state, lease_until),
    KEY deliveries_user (user_id, due_at),
    KEY deliveries_provider (provider_ref),
    CONSTRAINT deliveries_registration_fk FOREIGN KEY (registration_id) REFERENCES registrations (id) ON DELETE CASCADE,
    CONSTRAINT deliveries_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS delivery_attempts (
    id              BIGINT       NOT NULL AUTO_INCREMENT,
    delivery_id     BIGINT       NOT NULL,
    attempt         INT          NOT NULL,
    at              DATETIME(6)  NOT NULL,
    outcome         VARCHAR(32)  NOT NULL, -- sent | retry | failed | answered | acknowledged | ...
    provider_status VARCHAR(64)  NOT NULL DEFAULT '',
    detail          TEXT         NOT NULL,
    PRIMARY KEY (id),
    KEY delivery_attempts_delivery (delivery_id, attempt),
    CONSTRAINT delivery_attempts_delivery_fk FOREIGN KEY (delivery_id) REFERENCES deliveries (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS sessions (
    id           BIGINT       NOT NULL AUTO_INCREMENT,
    token_hash   CHAR(64)     NOT NULL, -- hex SHA-256 of the cookie value; the value itself is never stored
    user_id      BIGINT       NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    last_seen_at DATETIME(6)  NOT NULL,
    expires_at   DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY sessions_token (token_hash),
    KEY sessions_user (user_id),
    KEY sessions_expires (expires_at),
    CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
-- Forward-only: migrations are never rolled back.
