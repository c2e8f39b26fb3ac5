package operator

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sckiosk/kiosk/fleet/hallstate"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// cheap is an argon2id cost for tests: the hashing is the same code, only
// smaller.
var cheap = Cost{Time: 1, Memory: 64, Threads: 1}

func openStore(t *testing.T, clk *clock) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hall.db")
	s, err := Open(path, Options{Cost: cheap, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

const goodPassword = "correct horse battery"

func TestPasswordHash(t *testing.T) {
	h, err := hashPassword(goodPassword, cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(h, goodPassword) {
		t.Fatalf("hash %q", h)
	}
	for _, tc := range []struct {
		hash, pw string
		ok       bool
		bad      bool
	}{
		{h, goodPassword, true, false},
		{h, goodPassword + " ", false, false},
		{h, "", false, false},
		{"$2a$10$abcdefghijklmnopqrstuv", goodPassword, false, true},
		{"$argon2id$v=19$m=1,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", goodPassword, false, true},
		{"$argon2id$v=19$m=64,t=1,p=1$!!$AAAA", goodPassword, false, true},
		{"", goodPassword, false, true},
	} {
		ok, err := verifyPassword(tc.hash, tc.pw)
		if ok != tc.ok || (err != nil) != tc.bad {
			t.Errorf("verify(%.30q, %q) = %v, %v; want %v, error %v", tc.hash, tc.pw, ok, err, tc.ok, tc.bad)
		}
	}
	for _, tc := range []struct {
		pw string
		ok bool
	}{
		{"short", false}, {"            ", false}, {strings.Repeat("x", 129), false},
		{"twelve chars", true}, {"十二个汉字的密码也可以用的吧", true}, {strings.Repeat("x", 128), true},
	} {
		if err := checkPassword(tc.pw); (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrWeakPassword)) {
			t.Errorf("checkPassword(%q) = %v", tc.pw, err)
		}
	}
}

func TestOneTimePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p, err := NewOneTimePassword()
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != 20 || strings.ContainsAny(p, "0O1lI") || checkPassword(p) != nil || seen[p] {
			t.Fatalf("one-time password %q", p)
		}
		seen[p] = true
	}
}

func TestAccounts(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s, _ := openStore(t, clk)
	if n, _ := s.Count(ctx); n != 0 {
		t.Fatalf("new store has %d operators", n)
	}
	if ok, err := s.AddFirstAdmin(ctx, "admin", goodPassword, true); !ok || err != nil {
		t.Fatalf("first admin: %v %v", ok, err)
	}
	if ok, err := s.AddFirstAdmin(ctx, "admin2", goodPassword, true); ok || err != nil {
		t.Fatalf("a second first admin: %v %v", ok, err)
	}
	for _, tc := range []struct {
		name string
		role hallstate.Role
		pw   string
		want error
	}{
		{"li.wei", hallstate.RoleViewer, goodPassword, nil},
		{"ops-1", hallstate.RoleOps, goodPassword, nil},
		{"li.wei", hallstate.RoleOps, goodPassword, ErrExists},
		{"Admin", hallstate.RoleAdmin, goodPassword, ErrName},
		{"510107199001011234", hallstate.RoleOps, goodPassword, ErrName},
		{"x", hallstate.RoleOps, goodPassword, ErrName},
		{"root", "superuser", goodPassword, ErrRole},
		{"weak", hallstate.RoleOps, "123456", ErrWeakPassword},
	} {
		if err := s.Add(ctx, tc.name, tc.role, tc.pw, false); !errors.Is(err, tc.want) {
			t.Errorf("Add(%q, %q) = %v, want %v", tc.name, tc.role, err, tc.want)
		}
	}
	list, err := s.List(ctx)
	if err != nil || len(list) != 3 || list[0].Name != "admin" || !list[0].MustChange || list[1].Name != "li.wei" || list[1].Role != hallstate.RoleViewer {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if err := s.Remove(ctx, "admin"); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("removing the last admin: %v", err)
	}
	if err := s.Remove(ctx, "nobody"); !errors.Is(err, ErrNoOperator) {
		t.Errorf("removing nobody: %v", err)
	}
	ses, err := s.Login(ctx, "li.wei", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, "li.wei"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, ses.Token); !errors.Is(err, ErrNoSession) {
		t.Errorf("a removed operator's session: %v", err)
	}
}

// The one-time password works once for the must-change state; the
// operator's own change clears it and ends the old sessions; an
// administrator's reset sets it again.
func TestMustChange(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s, _ := openStore(t, clk)
	otp, _ := NewOneTimePassword()
	if _, err := s.AddFirstAdmin(ctx, "admin", otp, true); err != nil {
		t.Fatal(err)
	}
	ses, err := s.Login(ctx, "admin", otp)
	if err != nil || !ses.Operator.MustChange || ses.Token == "" || ses.CSRF == "" || ses.Token == ses.CSRF {
		t.Fatalf("login with the one-time password: %+v, %v", ses, err)
	}
	if err := s.ChangePassword(ctx, "admin", otp, otp); !errors.Is(err, ErrWeakPassword) {
		t.Errorf("the one-time password again: %v", err)
	}
	if err := s.ChangePassword(ctx, "admin", "wrong wrong wrong", goodPassword); !errors.Is(err, ErrBadLogin) {
		t.Errorf("change with a wrong old password: %v", err)
	}
	if err := s.ChangePassword(ctx, "admin", otp, goodPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, ses.Token); !errors.Is(err, ErrNoSession) {
		t.Errorf("the session before the change lives on: %v", err)
	}
	if _, err := s.Login(ctx, "admin", otp); !errors.Is(err, ErrBadLogin) {
		t.Errorf("the one-time password after the change: %v", err)
	}
	ses, err = s.Login(ctx, "admin", goodPassword)
	if err != nil || ses.Operator.MustChange {
		t.Fatalf("login after the change: %+v, %v", ses, err)
	}
	if err := s.ResetPassword(ctx, "admin", "a reset password"); err != nil {
		t.Fatal(err)
	}
	if ses, err := s.Login(ctx, "admin", "a reset password"); err != nil || !ses.Operator.MustChange {
		t.Errorf("login after a reset: %+v, %v", ses, err)
	}
}

// Five wrong passwords in a row lock a name for 15 minutes, the right one
// included, across a restart of the hall server; an unknown name locks
// the same way; once the lock is over the right password works and
// clears the count.
func TestLockout(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s, path := openStore(t, clk)
	if err := s.Add(ctx, "li.wei", hallstate.RoleOps, goodPassword, false); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 4; i++ {
		if _, err := s.Login(ctx, "li.wei", "wrong password"); !errors.Is(err, ErrBadLogin) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	if _, err := s.Login(ctx, "li.wei", "wrong password"); !errors.Is(err, ErrLocked) {
		t.Fatalf("fifth failure: %v, want locked", err)
	}
	// The lock is on disk: a restarted hall server keeps it.
	s.Close()
	s, err := Open(path, Options{Cost: cheap, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Login(ctx, "li.wei", goodPassword); !errors.Is(err, ErrLocked) {
		t.Fatalf("the right password while locked: %v", err)
	}
	clk.Add(14 * time.Minute)
	if _, err := s.Login(ctx, "li.wei", goodPassword); !errors.Is(err, ErrLocked) {
		t.Fatalf("after 14 minutes: %v", err)
	}
	clk.Add(time.Minute + time.Second)
	// One more failure after the lock locks it again at once.
	if _, err := s.Login(ctx, "li.wei", "wrong again"); !errors.Is(err, ErrLocked) {
		t.Fatalf("a failure right after the lock: %v", err)
	}
	clk.Add(16 * time.Minute)
	if _, err := s.Login(ctx, "li.wei", goodPassword); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	if _, err := s.Login(ctx, "li.wei", "wrong password"); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("the count was not cleared by the good login: %v", err)
	}
	for range 5 {
		_, err = s.Login(ctx, "ghost", "whatever it is")
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("an unknown name after five tries: %v, want locked like a real one", err)
	}
}

// A session ends after 30 minutes unused or 12 hours after login.
func TestSessionExpiry(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s, _ := openStore(t, clk)
	if err := s.Add(ctx, "li.wei", hallstate.RoleViewer, goodPassword, false); err != nil {
		t.Fatal(err)
	}
	ses, _ := s.Login(ctx, "li.wei", goodPassword)
	for i := 0; i < 11*60/20; i++ { // used every 20 minutes for 11 hours
		clk.Add(20 * time.Minute)
		if _, err := s.Session(ctx, ses.Token); err != nil {
			t.Fatalf("after %d minutes in use: %v", (i+1)*20, err)
		}
	}
	clk.Add(40 * time.Minute)
	if _, err := s.Session(ctx, ses.Token); !errors.Is(err, ErrNoSession) {
		t.Errorf("11 h 40 min after login, 40 min idle: %v", err)
	}
	ses, _ = s.Login(ctx, "li.wei", goodPassword)
	for i := 0; i < 12*60/25; i++ { // used every 25 minutes: idle never ends it
		clk.Add(25 * time.Minute)
		_, err := s.Session(ctx, ses.Token)
		if (i+1)*25 <= 12*60 && err != nil {
			t.Fatalf("after %d minutes in use: %v", (i+1)*25, err)
		}
	}
	clk.Add(25 * time.Minute) // 12 h 25 min after login, 25 min idle
	if _, err := s.Session(ctx, ses.Token); !errors.Is(err, ErrNoSession) {
		t.Errorf("after 12 hours: %v", err)
	}
	ses, _ = s.Login(ctx, "li.wei", goodPassword)
	clk.Add(31 * time.Minute)
	if _, err := s.Session(ctx, ses.Token); !errors.Is(err, ErrNoSession) {
		t.Errorf("after 31 minutes idle: %v", err)
	}
	if _, err := s.Session(ctx, "forged-token"); !errors.Is(err, ErrNoSession) {
		t.Errorf("a forged token: %v", err)
	}
}

func TestAudit(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s, _ := openStore(t, clk)
	for _, e := range []Entry{
		{Operator: "li.wei", Action: "command", Target: "510107/wuhou/SC-0001", Detail: "self_test"},
		{Operator: "admin", Action: "push", Target: "510107/wuhou/SC-0001", Detail: "profile sm3 ab12"},
	} {
		if err := s.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Audit(ctx, 10)
	if err != nil || len(got) != 2 || got[0].Action != "push" || got[1].Operator != "li.wei" || !got[0].At.Equal(clk.Now()) {
		t.Fatalf("Audit = %+v, %v", got, err)
	}
}

// At most MaxHashing password hashes run at once: with every slot taken a
// login waits (here, until its context ends); a freed slot lets it run.
func TestHashingIsBounded(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s, _ := openStore(t, clk)
	h, err := hashPassword(goodPassword, cheap)
	if err != nil {
		t.Fatal(err)
	}
	for range MaxHashing {
		s.slots <- struct{}{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.verify(ctx, h, goodPassword); !errors.Is(err, context.Canceled) {
		t.Fatalf("verify with every slot taken: %v, want it to wait until its context ends", err)
	}
	<-s.slots
	if ok, err := s.verify(context.Background(), h, goodPassword); !ok || err != nil {
		t.Fatalf("verify with a free slot: %v, %v", ok, err)
	}
	if len(s.slots) != MaxHashing-1 {
		t.Errorf("%d slots taken after the verify, want %d", len(s.slots), MaxHashing-1)
	}
}

// What someone typed into the name field when it is no operator's name
// (often a password) is not kept: the failures are counted under a
// digest.
func TestUnknownNameNotKept(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s, _ := openStore(t, clk)
	if err := s.Add(ctx, "li.wei", hallstate.RoleOps, goodPassword, false); err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{"my secret password", "hunter2hunter2", "li.wei"} {
		if _, err := s.Login(ctx, typed, "wrong password"); !errors.Is(err, ErrBadLogin) {
			t.Fatalf("login %q: %v", typed, err)
		}
	}
	rows, err := s.db.Query(`SELECT name FROM login_failures ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var kept []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		kept = append(kept, n)
	}
	if len(kept) != 3 || kept[2] != "li.wei" || !strings.HasPrefix(kept[0], "?") || !strings.HasPrefix(kept[1], "?") {
		t.Errorf("login_failures names %q: want two digests and li.wei", kept)
	}
	for _, k := range kept {
		if strings.Contains(k, "secret") || strings.Contains(k, "hunter") {
			t.Errorf("a typed name is kept: %q", k)
		}
	}
}
