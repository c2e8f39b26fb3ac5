package technician

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func TestHashAndVerify(t *testing.T) {
	h, err := HashPIN("246810", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q", h)
	}
	bc, err := bcrypt.GenerateFromPassword([]byte("246810"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, hash, pin string
		want            bool
		wantErr         bool
	}{
		{"argon2id right", h, "246810", true, false},
		{"argon2id wrong", h, "246811", false, false},
		{"bcrypt right", string(bc), "246810", true, false},
		{"bcrypt wrong", string(bc), "000000", false, false},
		{"md5 is refused", "5f4dcc3b5aa765d61d8327deb882cf99", "246810", false, true},
		{"broken argon2id", "$argon2id$v=19$m=0,t=2,p=1$AAAA$AAAA", "246810", false, true},
	}
	for _, tt := range tests {
		got, err := VerifyPIN(tt.hash, tt.pin)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%s: VerifyPIN = %v, %v", tt.name, got, err)
		}
		if (CheckHash(tt.hash) != nil) != tt.wantErr {
			t.Errorf("%s: CheckHash = %v", tt.name, CheckHash(tt.hash))
		}
	}
}

func TestHashIsSalted(t *testing.T) {
	a, _ := HashPIN("1234", bytes.NewReader(bytes.Repeat([]byte{1}, 16)))
	b, _ := HashPIN("1234", bytes.NewReader(bytes.Repeat([]byte{2}, 16)))
	if a == b {
		t.Fatal("same hash for different salts")
	}
}

func TestCheckPIN(t *testing.T) {
	tests := []struct {
		pin string
		ok  bool
	}{{"1234", true}, {"123456789012", true}, {"123", false}, {"1234567890123", false}, {"12a4", false}, {"", false}}
	for _, tt := range tests {
		if got := CheckPIN(tt.pin) == nil; got != tt.ok {
			t.Errorf("CheckPIN(%q) ok = %v", tt.pin, got)
		}
	}
	if _, err := HashPIN("12", rand.Reader); err == nil {
		t.Error("HashPIN accepted a short PIN")
	}
}

// clock is a hand-driven clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestLockout(t *testing.T) {
	type step struct {
		advance time.Duration
		ok      bool
		want    Status
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"four wrong then right resets", []step{
			{0, false, Status{TriesLeft: 4}}, {0, false, Status{TriesLeft: 3}}, {0, false, Status{TriesLeft: 2}},
			{0, false, Status{TriesLeft: 1}}, {0, true, Status{TriesLeft: 5}}, {0, false, Status{TriesLeft: 4}},
		}},
		{"fifth wrong locks for five minutes", []step{
			{0, false, Status{TriesLeft: 4}}, {0, false, Status{TriesLeft: 3}}, {0, false, Status{TriesLeft: 2}},
			{0, false, Status{TriesLeft: 1}}, {0, false, Status{Locked: true, Remaining: 5 * time.Minute}},
			{time.Minute, true, Status{Locked: true, Remaining: 4 * time.Minute}},
			{4*time.Minute - time.Second, false, Status{Locked: true, Remaining: time.Second}},
			{time.Second, false, Status{TriesLeft: 4}},
		}},
		{"lock ends and right PIN works", []step{
			{0, false, Status{TriesLeft: 4}}, {0, false, Status{TriesLeft: 3}}, {0, false, Status{TriesLeft: 2}},
			{0, false, Status{TriesLeft: 1}}, {0, false, Status{Locked: true, Remaining: 5 * time.Minute}},
			{5 * time.Minute, true, Status{TriesLeft: 5}},
		}},
	}
	for _, tt := range tests {
		c := &clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
		l := NewLockout(c.now)
		for i, s := range tt.steps {
			c.t = c.t.Add(s.advance)
			if got := l.Record(s.ok); got != s.want {
				t.Errorf("%s: step %d: %+v, want %+v", tt.name, i, got, s.want)
			}
		}
	}
}

func TestGateDoesNotVerifyWhileLocked(t *testing.T) {
	h, err := HashPIN("9876", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	g, err := NewGate(h, c.now)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if ok, _, err := g.Enter("0000"); ok || err != nil {
			t.Fatalf("wrong PIN accepted: %v %v", ok, err)
		}
	}
	if ok, st, _ := g.Enter("9876"); ok || !st.Locked {
		t.Fatalf("right PIN while locked: ok %v, %+v", ok, st)
	}
	c.t = c.t.Add(DefaultLockFor)
	if ok, st, _ := g.Enter("9876"); !ok || st.Locked {
		t.Fatalf("after the lock: ok %v, %+v", ok, st)
	}
	if _, err := NewGate("plain", c.now); err == nil {
		t.Fatal("NewGate accepted a non-hash")
	}
}

// A lockout restored from its State goes on where it stopped, within its
// own rules: never locked longer than LockFor from now, never with more
// failures than the limit.
func TestLockoutRestore(t *testing.T) {
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		saved     State
		want      Status
		wantState State
	}{
		{"fresh", State{}, Status{TriesLeft: 5}, State{}},
		{"three wrong", State{Failures: 3}, Status{TriesLeft: 2}, State{Failures: 3}},
		{"locked for two more minutes", State{Failures: 5, Until: start.Add(2 * time.Minute)},
			Status{Locked: true, Remaining: 2 * time.Minute}, State{Failures: 5, Until: start.Add(2 * time.Minute)}},
		{"lock ran out while off", State{Failures: 5, Until: start.Add(-time.Second)}, Status{TriesLeft: 5}, State{}},
		{"clock set back: capped at LockFor", State{Failures: 5, Until: start.Add(72 * time.Hour)},
			Status{Locked: true, Remaining: DefaultLockFor}, State{Failures: 5, Until: start.Add(DefaultLockFor)}},
		{"count at the limit without a lock locks", State{Failures: 9},
			Status{Locked: true, Remaining: DefaultLockFor}, State{Failures: 5, Until: start.Add(DefaultLockFor)}},
		{"negative count", State{Failures: -4}, Status{TriesLeft: 5}, State{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: start}
			l := NewLockout(c.now)
			l.Restore(tt.saved)
			if got := l.Status(); got != tt.want {
				t.Errorf("status %+v, want %+v", got, tt.want)
			}
			if got := l.State(); got != tt.wantState {
				t.Errorf("state %+v, want %+v", got, tt.wantState)
			}
		})
	}
}

// What State returns, Restore takes back: two wrong PINs before a restart
// and three after lock the keypad.
func TestLockoutStateRoundTrip(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	before := NewLockout(c.now)
	before.Record(false)
	before.Record(false)
	after := NewLockout(c.now)
	after.Restore(before.State())
	var st Status
	for range 3 {
		st = after.Record(false)
	}
	if !st.Locked {
		t.Fatalf("2 + 3 wrong PINs across a restart: %+v", st)
	}
}
