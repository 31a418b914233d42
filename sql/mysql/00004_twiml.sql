-- serve-twiml: what Twilio has reported about each call or message of a
-- delivery, one row per call or message SID. The delivery's own state is
-- the outcome; these rows are how serve-twiml tells a report that arrives
-- late or out of order (SequenceNumber, Timestamp) from a newer one, and a
-- report about an earlier call of the delivery (before a retry) from one
-- about its current call.
-- MySQL commits DDL implicitly: the statement is safe to run again.

-- +goose Up
CREATE TABLE IF NOT EXISTS delivery_progress (
    delivery_id   BIGINT       NOT NULL,
    provider_ref  VARCHAR(128) NOT NULL,            -- the Twilio call (CA...) or message (SM...) SID
    last_sequence INT          NOT NULL DEFAULT -1, -- SequenceNumber of the last report applied; -1: none came with one
    last_status   VARCHAR(32)  NOT NULL,            -- CallStatus / MessageStatus of the last report applied
    last_event_at DATETIME(6)  NULL,                -- Twilio's Timestamp of the last report applied, if it gave one
    answered_by   VARCHAR(32)  NOT NULL DEFAULT '', -- AnsweredBy (answering machine detection): human, machine_start, ...
    reports       INT          NOT NULL DEFAULT 0,  -- reports received, applied or not
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    PRIMARY KEY (delivery_id, provider_ref),
    CONSTRAINT delivery_progress_delivery_fk FOREIGN KEY (delivery_id) REFERENCES deliveries (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
-- Forward-only: migrations are never rolled back.
