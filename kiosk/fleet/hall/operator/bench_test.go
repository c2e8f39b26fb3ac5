package operator

import (
	"context"
	"path/filepath"
	"testing"

	"sckiosk/kiosk/fleet/hallstate"
)

// BenchmarkHashPassword is the cost of one login's argon2id at the
// production cost (DefaultCost): what a guess costs an attacker with the
// store, and what a login costs the hall server.
func BenchmarkHashPassword(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := hashPassword(goodPassword, DefaultCost); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSession is what every API request pays for its session look-up
// (the dashboard asks every 2 s per open page).
func BenchmarkSession(b *testing.B) {
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), "hall.db"), Options{Cost: cheap})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Add(ctx, "li.wei", hallstate.RoleOps, goodPassword, false); err != nil {
		b.Fatal(err)
	}
	ses, err := s.Login(ctx, "li.wei", goodPassword)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Session(ctx, ses.Token); err != nil {
			b.Fatal(err)
		}
	}
}
