package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"sckiosk/kiosk/adapters/privacy"
)

// Stats counts the entries in each state.
func (o *Outbox) Stats(ctx context.Context) (pending, sent, rejected int, err error) {
	rows, err := o.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM entries GROUP BY state`)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("outbox: stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st State
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return 0, 0, 0, fmt.Errorf("outbox: stats: %w", err)
		}
		switch st {
		case StatePending:
			pending = n
		case StateSent:
			sent = n
		case StateRejected:
			rejected = n
		}
	}
	if err := rows.Err(); err != nil {
		return 0, 0, 0, fmt.Errorf("outbox: stats: %w", err)
	}
	return pending, sent, rejected, nil
}

// List returns every entry, oldest first, without the personal payload.
func (o *Outbox) List(ctx context.Context) ([]Entry, error) {
	rows, err := o.db.QueryContext(ctx, `
		SELECT id, request_id, province, item_code, state, attempts, created_at, next_attempt_at,
			last_error, case_number, sent_at, payload IS NOT NULL, applicant, linked
		FROM entries ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("outbox: list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var created, next int64
		var sent sql.NullInt64
		var linked string
		if err := rows.Scan(&e.ID, &e.RequestID, &e.Province, &e.ItemCode, &e.State, &e.Attempts, &created, &next,
			&e.LastError, &e.CaseNumber, &sent, &e.HasPayload, &e.Applicant, &linked); err != nil {
			return nil, fmt.Errorf("outbox: list: %w", err)
		}
		e.CreatedAt, e.NextAttemptAt, e.Linked = fromMillis(created), fromMillis(next), strings.Fields(linked)
		e.LastError = privacy.MaskText(e.LastError) // an error stored before it was masked on the way in
		if sent.Valid {
			e.SentAt = fromMillis(sent.Int64)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: list: %w", err)
	}
	return out, nil
}

// Retry makes entry id due now with a fresh back-off: a rejected entry goes
// back to pending (for a technician, once the cause is fixed) and a pending
// one stops waiting. A sent entry gives ErrNotRetryable.
func (o *Outbox) Retry(ctx context.Context, id int64) error {
	res, err := o.db.ExecContext(ctx, `
		UPDATE entries SET state = 'pending', attempts = 0, next_attempt_at = ?
		WHERE id = ? AND state IN ('pending', 'rejected') AND payload IS NOT NULL`,
		toMillis(time.Now()), id)
	if err != nil {
		return fmt.Errorf("outbox: retry %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("outbox: retry %d: %w", id, err)
	} else if n == 0 {
		var st State
		err := o.db.QueryRowContext(ctx, `SELECT state FROM entries WHERE id = ?`, id).Scan(&st)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("outbox: retry %d: %w", id, ErrNotFound)
		case err != nil:
			return fmt.Errorf("outbox: retry %d: %w", id, err)
		}
		return fmt.Errorf("outbox: retry %d (%s): %w", id, st, ErrNotRetryable)
	}
	o.log.Info("outbox entry requeued", "id", id)
	o.notify()
	o.wake()
	o.publish(ctx)
	return nil
}

// Purge deletes the delivered entries now, whatever their retention (their
// personal data is already gone; the case number and masked applicant go
// with them). With rejected it also deletes the rejected entries and the
// personal data they still hold. Pending entries are never purged. It
// returns how many entries were deleted.
func (o *Outbox) Purge(ctx context.Context, rejected bool) (int, error) {
	q := `DELETE FROM entries WHERE state = 'sent'`
	if rejected {
		q = `DELETE FROM entries WHERE state IN ('sent', 'rejected')`
	}
	res, err := o.db.ExecContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("outbox: purge: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("outbox: purge: %w", err)
	}
	o.log.Info("outbox purged", "count", n, "rejected", rejected)
	o.checkpoint(ctx)
	o.publish(ctx)
	return int(n), nil
}
