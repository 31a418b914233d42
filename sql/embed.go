// Package sql holds pfsnotify's database migrations, one folder per dialect
// (mysql/, sqlite/), numbered, forward-only, and embedded in the binary.
//
// A landed migration is never edited: a change is a new file with the next
// number, in both folders.
package sql

import "embed"

// Migrations holds mysql/*.sql and sqlite/*.sql.
//
//go:embed mysql/*.sql sqlite/*.sql
var Migrations embed.FS
