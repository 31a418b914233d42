package store

import (
	"context"
	"database/sql"
)

// ApplyRuleChanges makes the registrations that rules call for, brings
// back those that match again, and cancels those whose event stopped
// matching (noting them as unmatched, so that they may come back), with
// their reminders. Each change checks again, in its transaction, that it
// is still right; it can be run twice, or by two processes at once, without
// making anything twice. Changes are made in batches, each in one
// transaction.
func (s *Store) ApplyRuleChanges(ctx context.Context, c RuleChanges) (RuleChangesApplied, error) {
	type op struct {
		match *RuleMatch
		regID int64
		undo  bool
	}
	ops := make([]op, 0, len(c.Create)+len(c.Revive)+len(c.Unmatch))
	for _, id := range c.Unmatch {
		ops = append(ops, op{regID: id, undo: true})
	}
	for _, id := range c.Revive {
		ops = append(ops, op{regID: id})
	}
	for i := range c.Create {
		ops = append(ops, op{match: &c.Create[i]})
	}
	var total RuleChangesApplied
	for start := 0; start < len(ops); start += ruleApplyBatch {
		chunk := ops[start:min(start+ruleApplyBatch, len(ops))]
		var part RuleChangesApplied
		err := s.inTxRetry(ctx, func(tx *sql.Tx) error {
			part = RuleChangesApplied{}
			rules, memberRules := make(map[int64]bool), make(map[memberRuleKey]bool)
			var creates []RuleMatch
			for _, o := range chunk {
				var err error
				switch {
				case o.match != nil:
					creates = append(creates, *o.match)
				case o.undo:
					err = s.unmatchRegistrationTx(ctx, tx, o.regID, &part)
				default:
					err = s.reviveRegistrationTx(ctx, tx, o.regID, allDayOr(c.AllDayAt), &part)
				}
				if err != nil {
					return err
				}
			}
			return s.createRuleRegistrationsTx(ctx, tx, creates, rules, memberRules, allDayOr(c.AllDayAt), &part)
		})
		if err != nil {
			return total, err
		}
		total.Created += part.Created
		total.Deliveries += part.Deliveries
		total.Revived += part.Revived
		total.Unmatched += part.Unmatched
		total.TooLate += part.TooLate
		total.Skipped += part.Skipped
	}
	return total, nil
}
