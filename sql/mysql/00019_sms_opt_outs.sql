-- Phone numbers that answered a text with STOP (or one of Twilio's other
-- opt-out words), or that Twilio refused as unsubscribed (error 21610):
-- the sms channel does not text them. START (or YES, UNSTOP) sets
-- opted_out back to false; the row stays, with the word and the time of
-- the last change. MySQL commits DDL implicitly: the statement is safe to
-- run again.

-- +goose Up
CREATE TABLE IF NOT EXISTS sms_opt_outs (
    phone      VARCHAR(32) NOT NULL, -- E.164, as Twilio gives From
    opted_out  BOOLEAN     NOT NULL,
    keyword    VARCHAR(32) NOT NULL, -- STOP, START, ..., or twilio-21610
    changed_at DATETIME(6) NOT NULL,
    PRIMARY KEY (phone)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
-- Forward-only: migrations are never rolled back.
