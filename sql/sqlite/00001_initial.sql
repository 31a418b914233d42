-- The initial schema of pfsnotify on SQLite.
-- Every instant is UTC, written by the store as DATETIME text (modernc.org/sqlite reads it back as time.Time).

-- +goose Up
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    login         VARCHAR(64)  NOT NULL,
    display_name  VARCHAR(255) NOT NULL DEFAULT '',
    email         VARCHAR(255) NOT NULL DEFAULT '',
    phone         VARCHAR(20)  NOT NULL DEFAULT '',
    time_zone     VARCHAR(64)  NOT NULL,
    language      VARCHAR(35)  NOT NULL,
    role          VARCHAR(16)  NOT NULL DEFAULT 'member',
    password_hash VARCHAR(255) NULL,
    disabled      INTEGER      NOT NULL DEFAULT 0,
    created_at    DATETIME  NOT NULL,
    updated_at    DATETIME  NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS users_login ON users (login);

CREATE TABLE IF NOT EXISTS push_subscriptions (
    id                   INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_id              BIGINT        NOT NULL,
    endpoint             TEXT          NOT NULL,
    endpoint_hash        CHAR(64)      NOT NULL, -- hex SHA-256 of endpoint: endpoints are too long for a unique index
    p256dh               VARCHAR(255)  NOT NULL,
    auth                 VARCHAR(255)  NOT NULL,
    user_agent           VARCHAR(512)  NOT NULL DEFAULT '',
    created_at           DATETIME   NOT NULL,
    last_success_at      DATETIME   NULL,
    consecutive_failures INT           NOT NULL DEFAULT 0,
    expired_at           DATETIME   NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS push_subscriptions_endpoint ON push_subscriptions (endpoint_hash);
CREATE INDEX IF NOT EXISTS push_subscriptions_user ON push_subscriptions (user_id);

CREATE TABLE IF NOT EXISTS calendars (
    id             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    name           VARCHAR(128)  NOT NULL,
    kind           VARCHAR(16)   NOT NULL, -- google | ics
    source         TEXT          NOT NULL, -- Google calendar id, or ICS URL / file path
    time_zone      VARCHAR(64)   NOT NULL,
    sync_token     TEXT          NULL,     -- Google nextSyncToken
    etag           VARCHAR(512)  NULL,     -- ICS ETag
    last_modified  VARCHAR(64)   NULL,     -- ICS Last-Modified, as the server sent it
    last_synced_at DATETIME   NULL,
    last_error     TEXT          NULL,
    created_at     DATETIME   NOT NULL,
    updated_at     DATETIME   NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS calendars_name ON calendars (name);

CREATE TABLE IF NOT EXISTS events (
    id                INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    calendar_id       BIGINT        NOT NULL,
    external_id       VARCHAR(512)  NOT NULL, -- one row per occurrence: the source's id of that occurrence
    title             VARCHAR(1024) NOT NULL,
    description       TEXT          NOT NULL,
    location          TEXT          NOT NULL,
    url               TEXT          NOT NULL,
    start_at          DATETIME   NOT NULL,
    end_at            DATETIME   NOT NULL,
    all_day           INTEGER       NOT NULL DEFAULT 0,
    time_zone         VARCHAR(64)   NOT NULL,
    status            VARCHAR(16)   NOT NULL DEFAULT 'confirmed', -- confirmed | cancelled
    source_updated_at DATETIME   NULL,
    created_at        DATETIME   NOT NULL,
    updated_at        DATETIME   NOT NULL,
    FOREIGN KEY (calendar_id) REFERENCES calendars (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS events_external ON events (calendar_id, external_id);
CREATE INDEX IF NOT EXISTS events_start ON events (start_at);

CREATE TABLE IF NOT EXISTS rules (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT        NOT NULL,
    pattern     VARCHAR(1024) NOT NULL, -- RE2
    calendar_id BIGINT        NULL,     -- NULL: every calendar
    channels    VARCHAR(255)  NOT NULL, -- "push,call"
    leads       VARCHAR(255)  NOT NULL, -- lead times in seconds, "600,120"
    active      INTEGER       NOT NULL DEFAULT 1,
    created_at  DATETIME   NOT NULL,
    updated_at  DATETIME   NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    FOREIGN KEY (calendar_id) REFERENCES calendars (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS rules_user ON rules (user_id);

CREATE TABLE IF NOT EXISTS registrations (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT        NOT NULL,
    event_id     BIGINT        NULL,     -- a synced event, or NULL for an ad-hoc instant
    rule_id      BIGINT        NULL,     -- the rule that created it; NULL: made by hand
    origin       VARCHAR(32)   NOT NULL, -- "manual" or "rule:<id>"
    title        VARCHAR(1024) NOT NULL, -- ad-hoc title, or the event's title when registered
    message      TEXT          NOT NULL,
    start_at     DATETIME   NOT NULL, -- the instant reminded of (the event's start for event registrations)
    time_zone    VARCHAR(64)   NOT NULL, -- the zone the start was given in
    channels     VARCHAR(255)  NOT NULL,
    leads        VARCHAR(255)  NOT NULL,
    status       VARCHAR(16)   NOT NULL DEFAULT 'active', -- active | cancelled
    created_by   VARCHAR(64)   NOT NULL, -- login of who made it, or "rule:<id>" / "calendar-sync"
    cancelled_at DATETIME   NULL,
    created_at   DATETIME   NOT NULL,
    updated_at   DATETIME   NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE SET NULL,
    FOREIGN KEY (rule_id) REFERENCES rules (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS registrations_event_origin ON registrations (user_id, event_id, origin);
CREATE INDEX IF NOT EXISTS registrations_event ON registrations (event_id);
CREATE INDEX IF NOT EXISTS registrations_rule ON registrations (rule_id);
CREATE INDEX IF NOT EXISTS registrations_start ON registrations (start_at);

CREATE TABLE IF NOT EXISTS deliveries (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    registration_id BIGINT        NOT NULL,
    user_id         BIGINT        NOT NULL, -- the person reminded (the inbox reads by it)
    kind            VARCHAR(16)   NOT NULL DEFAULT 'reminder', -- reminder | moved | cancelled | test
    channel         VARCHAR(16)   NOT NULL,
    lead_seconds    INT           NOT NULL,
    occurrence_at   DATETIME   NOT NULL, -- the start this delivery reminds of
    due_at          DATETIME   NOT NULL, -- occurrence_at - lead
    state           VARCHAR(16)   NOT NULL DEFAULT 'pending',
    attempts        INT           NOT NULL DEFAULT 0,
    next_attempt_at DATETIME   NOT NULL, -- due_at, then the retry time; what the claim orders by
    lease_owner     VARCHAR(128)  NULL,
    lease_until     DATETIME   NULL,
    target          VARCHAR(1024) NULL,     -- resolved at send time: phone, address, endpoint
    provider_ref    VARCHAR(128)  NULL,     -- e.g. the Twilio call SID
    token           CHAR(43)      NOT NULL, -- random, unguessable, base64url of 32 bytes
    last_error      TEXT          NULL,
    sent_at         DATETIME   NULL,
    read_at         DATETIME   NULL,
    created_at      DATETIME   NOT NULL,
    updated_at      DATETIME   NOT NULL,
    FOREIGN KEY (registration_id) REFERENCES registrations (id) ON DELETE CASCADE,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_once ON deliveries (registration_id, kind, occurrence_at, channel, lead_seconds);
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_token ON deliveries (token);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_attempt_at, id);
CREATE INDEX IF NOT EXISTS deliveries_lease ON deliveries (state, lease_until);
CREATE INDEX IF NOT EXISTS deliveries_user ON deliveries (user_id, due_at);
CREATE INDEX IF NOT EXISTS deliveries_provider ON deliveries (provider_ref);

CREATE TABLE IF NOT EXISTS delivery_attempts (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    delivery_id     BIGINT       NOT NULL,
    attempt         INT          NOT NULL,
    at              DATETIME  NOT NULL,
    outcome         VARCHAR(32)  NOT NULL, -- sent | retry | failed | answered | acknowledged | ...
    provider_status VARCHAR(64)  NOT NULL DEFAULT '',
    detail          TEXT         NOT NULL,
    FOREIGN KEY (delivery_id) REFERENCES deliveries (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS delivery_attempts_delivery ON delivery_attempts (delivery_id, attempt);

CREATE TABLE IF NOT EXISTS sessions (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    token_hash   CHAR(64)     NOT NULL, -- hex SHA-256 of the cookie value; the value itself is never stored
    user_id      BIGINT       NOT NULL,
    created_at   DATETIME  NOT NULL,
    last_seen_at DATETIME  NOT NULL,
    expires_at   DATETIME  NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS sessions_token ON sessions (token_hash);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires_at);

-- +goose Down
-- Forward-only: migrations are never rolled back.
