-- invoke: the calls whose status callbacks never came (serve-twiml
-- unreachable, a wrong public_url) are looked up at Twilio once they have
-- been sent and unchanged for twiml.reconcile_after. This index finds them
-- among every sent delivery of every channel, oldest change first.

-- +goose Up
CREATE INDEX IF NOT EXISTS deliveries_reconcile ON deliveries (state, channel, updated_at);

-- +goose Down
-- Forward-only: migrations are never rolled back.
