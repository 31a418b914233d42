// Package schedule turns a registration ("remind user U of the event starting at S, on
// channels C, at lead times L before it") into deliveries, one per channel × lead, due at
// S − lead. It also reads what a person types for those: channel lists, lead times, time
// zones and wall-clock date-times.
//
// Time rules:
//   - Instants are UTC. A wall-clock time only means something together with an IANA zone
//     (LoadZone); ParseLocalTime and StartOfDay turn the two into an instant, and ParseAt
//     also reads the forms relative to now of an --at flag ("+2h", "tomorrow 09:00").
//   - A wall time that does not exist (a DST gap) or happens twice (a DST overlap) is an
//     error, never a guess: see NonexistentTimeError and AmbiguousTimeError; so is an
//     offset the zone does not have at that time (OffsetError).
//   - Due times are computed on the absolute time line: a 10-minute reminder comes 10 real
//     minutes before its event, whatever the clocks do in between, and "1d" is 24 hours.
//
// The package is pure: no database, no clock (callers pass now), no environment.
package schedule
