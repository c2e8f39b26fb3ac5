package platformsim

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
)

// Store keeps a simulator's cases and case-number sequences in a SQLite
// file, so that they survive a restart of platformsim. It holds what the
// platform would hold, personal data included (demo identities only).
// It also keeps the request nonces seen within the clock window, so that a
// request replayed after a restart is still refused. Issued app codes are
// not kept: after a restart old app codes are void.
type Store struct {
	db   *sql.DB
	path string
	// read at open, handed to the Sim
	cases  []*simCase
	seq    map[string]int
	evals  []platform.Evaluation
	nonces map[string]time.Time
}

// simSchema is the store's schema; user_version 1.
const simSchema = `
CREATE TABLE IF NOT EXISTS cases (
	case_no     TEXT    PRIMARY KEY,
	request_id  TEXT    NOT NULL UNIQUE,
	item_code   TEXT    NOT NULL,
	received_at INTEGER NOT NULL,     -- Unix ms
	status_code INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,     -- Unix ms
	track_url   TEXT    NOT NULL,
	application BLOB    NOT NULL      -- the Application as JSON
);
CREATE TABLE IF NOT EXISTS sequences (
	day  TEXT    PRIMARY KEY,         -- YYYYMMDD, China time
	last INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS links (  -- 一件事一次办: the member cases of a bundle case
	case_no   TEXT    NOT NULL,
	position  INTEGER NOT NULL,
	member_no TEXT    NOT NULL,
	PRIMARY KEY (case_no, position)
);
CREATE TABLE IF NOT EXISTS evaluations (  -- 好差评, one per case, the last one given
	case_no      TEXT    PRIMARY KEY,
	grade        INTEGER NOT NULL,
	channel      TEXT    NOT NULL,
	evaluated_at INTEGER NOT NULL     -- Unix ms
);
CREATE TABLE IF NOT EXISTS nonces (  -- request nonces within the clock window, against replays
	app_id    TEXT    NOT NULL,
	nonce     TEXT    NOT NULL,
	timestamp INTEGER NOT NULL,       -- the request's X-Timestamp, Unix seconds
	PRIMARY KEY (app_id, nonce)
);
PRAGMA user_version = 1;
`

// OpenStore opens (creating if needed) the store at path. The journal
// is WAL with synchronous=NORMAL: a case survives the crash of the
// simulator's process, which is what the fault flags need.
func OpenStore(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("platform sim store: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String())
	if err != nil {
		return nil, fmt.Errorf("platform sim store %s: %w", abs, err)
	}
	db.SetMaxOpenConns(1)
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		db.Close()
		return nil, fmt.Errorf("platform sim store %s: %w", abs, err)
	}
	if v > 1 {
		db.Close()
		return nil, fmt.Errorf("platform sim store %s: schema version %d is newer than this program's 1", abs, v)
	}
	if _, err := db.Exec(simSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("platform sim store %s: create schema: %w", abs, err)
	}
	st := &Store{db: db, path: abs}
	if st.cases, st.seq, err = st.load(); err != nil {
		db.Close()
		return nil, err
	}
	if err := st.loadExtras(); err != nil {
		db.Close()
		return nil, err
	}
	if err := st.loadNonces(); err != nil {
		db.Close()
		return nil, err
	}
	return st, nil
}

// Close closes the store.
func (st *Store) Close() error {
	if err := st.db.Close(); err != nil {
		return fmt.Errorf("platform sim store %s: close: %w", st.path, err)
	}
	return nil
}

// load reads every case, oldest first, and the sequences.
func (st *Store) load() ([]*simCase, map[string]int, error) {
	rows, err := st.db.Query(`SELECT case_no, received_at, status_code, updated_at, track_url, application
		FROM cases ORDER BY received_at, case_no`)
	if err != nil {
		return nil, nil, fmt.Errorf("platform sim store %s: load cases: %w", st.path, err)
	}
	defer rows.Close()
	var cases []*simCase
	for rows.Next() {
		var (
			number, track     string
			received, updated int64
			code              int
			raw               []byte
			app               application.Application
		)
		if err := rows.Scan(&number, &received, &code, &updated, &track, &raw); err != nil {
			return nil, nil, fmt.Errorf("platform sim store %s: load cases: %w", st.path, err)
		}
		if err := json.Unmarshal(raw, &app); err != nil {
			return nil, nil, fmt.Errorf("platform sim store %s: case %s: %w", st.path, number, err)
		}
		cases = append(cases, newSimCase(app, number, time.UnixMilli(received), track, code, time.UnixMilli(updated)))
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("platform sim store %s: load cases: %w", st.path, err)
	}
	seq := map[string]int{}
	srows, err := st.db.Query(`SELECT day, last FROM sequences`)
	if err != nil {
		return nil, nil, fmt.Errorf("platform sim store %s: load sequences: %w", st.path, err)
	}
	defer srows.Close()
	for srows.Next() {
		var day string
		var n int
		if err := srows.Scan(&day, &n); err != nil {
			return nil, nil, fmt.Errorf("platform sim store %s: load sequences: %w", st.path, err)
		}
		seq[day] = n
	}
	return cases, seq, srows.Err()
}

// insert commits new cases in one transaction with the day's last
// sequence number; when there are several, cs[0] is a bundle's case and
// the others its linked member cases.
func (st *Store) insert(cs []*simCase, day string, n int) error {
	ctx := context.Background()
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("platform sim store: begin: %w", err)
	}
	defer tx.Rollback()
	for i, c := range cs {
		raw, err := json.Marshal(c.app)
		if err != nil {
			return fmt.Errorf("platform sim store: encode case: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cases (case_no, request_id, item_code, received_at, status_code, updated_at, track_url, application)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.receipt.CaseNumber, c.app.RequestID, c.app.ItemCode,
			c.receipt.AcceptedAt.UnixMilli(), c.status.Code, c.status.UpdatedAt.UnixMilli(), c.receipt.TrackURL, raw); err != nil {
			return fmt.Errorf("platform sim store: insert case %s: %w", c.receipt.CaseNumber, err)
		}
		if i > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO links (case_no, position, member_no) VALUES (?, ?, ?)`,
				cs[0].receipt.CaseNumber, i, c.receipt.CaseNumber); err != nil {
				return fmt.Errorf("platform sim store: link case %s: %w", c.receipt.CaseNumber, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sequences (day, last) VALUES (?, ?)
		ON CONFLICT (day) DO UPDATE SET last = excluded.last`, day, n); err != nil {
		return fmt.Errorf("platform sim store: sequence %s: %w", day, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("platform sim store: commit case %s: %w", cs[0].receipt.CaseNumber, err)
	}
	return nil
}

// loadExtras reads the bundle links into the loaded cases' receipts and
// the ratings.
func (st *Store) loadExtras() error {
	byNumber := make(map[string]*simCase, len(st.cases))
	for _, c := range st.cases {
		byNumber[c.receipt.CaseNumber] = c
	}
	rows, err := st.db.Query(`SELECT case_no, member_no FROM links ORDER BY case_no, position`)
	if err != nil {
		return fmt.Errorf("platform sim store %s: load links: %w", st.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var number, member string
		if err := rows.Scan(&number, &member); err != nil {
			return fmt.Errorf("platform sim store %s: load links: %w", st.path, err)
		}
		if c := byNumber[number]; c != nil {
			c.receipt.Linked = append(c.receipt.Linked, member)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("platform sim store %s: load links: %w", st.path, err)
	}
	erows, err := st.db.Query(`SELECT case_no, grade, channel, evaluated_at FROM evaluations ORDER BY rowid`)
	if err != nil {
		return fmt.Errorf("platform sim store %s: load ratings: %w", st.path, err)
	}
	defer erows.Close()
	for erows.Next() {
		var e platform.Evaluation
		var at int64
		if err := erows.Scan(&e.CaseNumber, &e.Grade, &e.Channel, &at); err != nil {
			return fmt.Errorf("platform sim store %s: load ratings: %w", st.path, err)
		}
		e.GradeText, e.EvaluatedAt = platform.GradeText(e.Grade), time.UnixMilli(at)
		st.evals = append(st.evals, e)
	}
	return erows.Err()
}

// putEvaluation records a rating, replacing an earlier one of the case.
func (st *Store) putEvaluation(e platform.Evaluation) error {
	if _, err := st.db.Exec(`INSERT INTO evaluations (case_no, grade, channel, evaluated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (case_no) DO UPDATE SET grade = excluded.grade, channel = excluded.channel, evaluated_at = excluded.evaluated_at`,
		e.CaseNumber, e.Grade, e.Channel, e.EvaluatedAt.UnixMilli()); err != nil {
		return fmt.Errorf("platform sim store: rating of %s: %w", e.CaseNumber, err)
	}
	return nil
}

// setStatus records a status set by SetCaseStatus.
func (st *Store) setStatus(number string, code int, at time.Time) error {
	if _, err := st.db.Exec(`UPDATE cases SET status_code = ?, updated_at = ? WHERE case_no = ?`, code, at.UnixMilli(), number); err != nil {
		return fmt.Errorf("platform sim store: status of %s: %w", number, err)
	}
	return nil
}

// nonceKey is how nonces are keyed in memory: app id, NUL, nonce.
func nonceKey(appID, nonce string) string { return appID + "\x00" + nonce }

// loadNonces reads the nonces seen, keyed by nonceKey.
func (st *Store) loadNonces() error {
	rows, err := st.db.Query(`SELECT app_id, nonce, timestamp FROM nonces`)
	if err != nil {
		return fmt.Errorf("platform sim store %s: load nonces: %w", st.path, err)
	}
	defer rows.Close()
	st.nonces = map[string]time.Time{}
	for rows.Next() {
		var appID, nonce string
		var ts int64
		if err := rows.Scan(&appID, &nonce, &ts); err != nil {
			return fmt.Errorf("platform sim store %s: load nonces: %w", st.path, err)
		}
		st.nonces[nonceKey(appID, nonce)] = time.Unix(ts, 0)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("platform sim store %s: load nonces: %w", st.path, err)
	}
	return nil
}

// addNonce records a nonce before its request is served; fresh is false
// when it was already there (a replay).
func (st *Store) addNonce(appID, nonce string, ts time.Time) (fresh bool, err error) {
	res, err := st.db.Exec(`INSERT OR IGNORE INTO nonces (app_id, nonce, timestamp) VALUES (?, ?, ?)`, appID, nonce, ts.Unix())
	if err != nil {
		return false, fmt.Errorf("platform sim store: nonce: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("platform sim store: nonce: %w", err)
	}
	return n == 1, nil
}

// pruneNonces forgets the nonces of requests stamped before oldest: such
// a request is refused by its timestamp anyway.
func (st *Store) pruneNonces(oldest time.Time) error {
	if _, err := st.db.Exec(`DELETE FROM nonces WHERE timestamp < ?`, oldest.Unix()); err != nil {
		return fmt.Errorf("platform sim store: prune nonces: %w", err)
	}
	return nil
}
