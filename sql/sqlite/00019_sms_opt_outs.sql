-- Phone numbers that answered a text with STOP (or one of Twilio's other
-- opt-out words), or that Twilio refused as unsubscribed (error 21610):
-- the sms channel does not text them. START (or YES, UNSTOP) sets
-- opted_out back to 0; the row stays, with the word and the time of the
-- last change.

-- +goose Up
CREATE TABLE IF NOT EXISTS sms_opt_outs (
    phone      VARCHAR(32) NOT NULL PRIMARY KEY, -- E.164, as Twilio gives From
    opted_out  INTEGER     NOT NULL,
    keyword    VARCHAR(32) NOT NULL, -- STOP, START, ..., or twilio-21610
    changed_at DATETIME    NOT NULL
);

-- +goose Down
-- Forward-only: migrations are never rolled back.
