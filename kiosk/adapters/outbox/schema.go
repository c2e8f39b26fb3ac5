package outbox

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations bring the schema from version i (PRAGMA user_version) to i+1.
// Append only; never edit a released step.
var migrations = [][]string{
	// 1: the queue.
	{
		`CREATE TABLE entries (
			id              INTEGER PRIMARY KEY,
			request_id      TEXT    NOT NULL UNIQUE,
			province        TEXT    NOT NULL,
			item_code       TEXT    NOT NULL DEFAULT '',
			created_at      INTEGER NOT NULL,            -- Unix ms
			state           TEXT    NOT NULL DEFAULT 'pending'
			                CHECK (state IN ('pending', 'sent', 'rejected')),
			attempts        INTEGER NOT NULL DEFAULT 0,
			next_attempt_at INTEGER NOT NULL,            -- Unix ms
			last_error      TEXT    NOT NULL DEFAULT '', -- English, no personal data
			case_number     TEXT    NOT NULL DEFAULT '',
			platform_status TEXT    NOT NULL DEFAULT '',
			accepted_at     INTEGER NOT NULL DEFAULT 0,  -- Unix ms, 0 = none
			track_url       TEXT    NOT NULL DEFAULT '',
			sent_at         INTEGER,                     -- Unix ms
			payload         BLOB                         -- Application JSON; NULL once sent
		)`,
		`CREATE INDEX entries_due ON entries (state, next_attempt_at)`,
	},
	// 2: payloads are SM4-GCM sealed (older plaintext ones are still read);
	// the masked applicant stays after the purge, for reprints.
	{
		`ALTER TABLE entries ADD COLUMN applicant TEXT NOT NULL DEFAULT ''`,
	},
	// 3: the linked cases of a 一件事一次办 bundle, space-separated, for the
	// receipt.
	{
		`ALTER TABLE entries ADD COLUMN linked TEXT NOT NULL DEFAULT ''`,
	},
}

// migrate applies the missing migrations in one transaction. A database
// written by a newer program is refused rather than misread.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock): one migrator at a time
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("migrate: read user_version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("migrate: schema version %d is newer than this program's %d", v, len(migrations))
	}
	if v == len(migrations) {
		return nil
	}
	for i := v; i < len(migrations); i++ {
		for _, stmt := range migrations[i] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migrate: to version %d: %w", i+1, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return fmt.Errorf("migrate: set user_version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}
