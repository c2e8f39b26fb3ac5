package update

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// rig is a build machine key, a kiosk state directory and a fake dpkg.
type rig struct {
	t         *testing.T
	dir       string
	priv      string
	u         *Updater
	installed []string // content of each package installed, in order
	failNext  bool
}

func newRig(t *testing.T) *rig {
	t.Helper()
	dir := t.TempDir()
	r := &rig{t: t, dir: dir, priv: filepath.Join(dir, "update.key")}
	if err := GenerateKey(r.priv, filepath.Join(dir, "update.pub")); err != nil {
		t.Fatal(err)
	}
	r.u = &Updater{KeyFile: filepath.Join(dir, "update.pub"), StateDir: filepath.Join(dir, "state"), Install: r.install}
	return r
}

func (r *rig) install(_ context.Context, path string) error {
	if r.failNext {
		r.failNext = false
		return errors.New("dpkg: dependency problems")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	r.installed = append(r.installed, string(b))
	return nil
}

// pkg writes a package with content and its signature by key (PEM private).
func (r *rig) pkg(name, content, key string) (deb, sig string) {
	r.t.Helper()
	deb = filepath.Join(r.dir, name+".deb")
	sig = deb + ".sig"
	if err := os.WriteFile(deb, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
	priv, err := LoadPrivateKey(key)
	if err != nil {
		r.t.Fatal(err)
	}
	s, err := SignFile(priv, deb)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(sig, s, 0o644); err != nil {
		r.t.Fatal(err)
	}
	return deb, sig
}

func (r *rig) kept(name string) string {
	b, err := os.ReadFile(filepath.Join(r.u.StateDir, name))
	if err != nil {
		return ""
	}
	return string(b)
}

func TestApplyRefuses(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(r *rig, deb, sig string)
	}{
		{"package changed after signing", func(r *rig, deb, _ string) {
			os.WriteFile(deb, []byte("v2 with a backdoor"), 0o644)
		}},
		{"signed with another key", func(r *rig, deb, sig string) {
			other := filepath.Join(r.dir, "other.key")
			if err := GenerateKey(other, filepath.Join(r.dir, "other.pub")); err != nil {
				r.t.Fatal(err)
			}
			_, osig := r.pkg("v2", "v2", other)
			b, _ := os.ReadFile(osig)
			os.WriteFile(sig, b, 0o644)
		}},
		{"signature file garbled", func(_ *rig, _, sig string) { os.WriteFile(sig, []byte("ed25519ph !!!\n"), 0o644) }},
		{"signature of another scheme", func(_ *rig, _, sig string) { os.WriteFile(sig, []byte("rsa AAAA\n"), 0o644) }},
		{"signature file empty", func(_ *rig, _, sig string) { os.WriteFile(sig, nil, 0o644) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			deb, sig := r.pkg("v2", "v2", r.priv)
			tt.tamper(r, deb, sig)
			err := r.u.Apply(context.Background(), deb, sig)
			if !errors.Is(err, ErrSignature) {
				t.Fatalf("Apply = %v, want ErrSignature", err)
			}
			if len(r.installed) != 0 {
				t.Errorf("installed %q despite a bad signature", r.installed)
			}
			if r.kept("current.deb") != "" || r.kept("incoming.deb") != "" {
				t.Error("a refused package was kept")
			}
		})
	}
}

func TestApplyErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(r *rig) (deb, sig string)
	}{
		{"no update key on the kiosk", func(r *rig) (string, string) {
			r.u.KeyFile = filepath.Join(r.dir, "missing.pub")
			return r.pkg("v2", "v2", r.priv)
		}},
		{"key file is a private key", func(r *rig) (string, string) {
			r.u.KeyFile = r.priv
			return r.pkg("v2", "v2", r.priv)
		}},
		{"no signature file", func(r *rig) (string, string) {
			deb, _ := r.pkg("v2", "v2", r.priv)
			return deb, filepath.Join(r.dir, "missing.sig")
		}},
		{"no package", func(r *rig) (string, string) {
			_, sig := r.pkg("v2", "v2", r.priv)
			return filepath.Join(r.dir, "missing.deb"), sig
		}},
		{"dpkg fails", func(r *rig) (string, string) {
			r.failNext = true
			return r.pkg("v2", "v2", r.priv)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			deb, sig := tt.setup(r)
			if err := r.u.Apply(context.Background(), deb, sig); err == nil {
				t.Fatal("Apply succeeded, want an error")
			}
			if len(r.installed) != 0 || r.kept("current.deb") != "" {
				t.Errorf("installed %q, current %q; want nothing", r.installed, r.kept("current.deb"))
			}
		})
	}
}

func TestApplyKeepsPreviousAndRollsBack(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	for _, v := range []string{"v1", "v2"} {
		deb, sig := r.pkg(v, v, r.priv)
		if err := r.u.Apply(ctx, deb, sig); err != nil {
			t.Fatalf("Apply %s: %v", v, err)
		}
	}
	if r.kept("current.deb") != "v2" || r.kept("previous.deb") != "v1" {
		t.Fatalf("current %q previous %q, want v2 and v1", r.kept("current.deb"), r.kept("previous.deb"))
	}
	if err := r.u.Rollback(ctx); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	if err := r.u.Rollback(ctx); err != nil { // forward again
		t.Fatalf("second Rollback: %v", err)
	}
	if want := []string{"v1", "v2", "v1", "v2"}; !slices.Equal(r.installed, want) {
		t.Errorf("installed %q, want %q", r.installed, want)
	}
	if r.kept("current.deb") != "v2" || r.kept("previous.deb") != "v1" {
		t.Errorf("current %q previous %q, want v2 and v1", r.kept("current.deb"), r.kept("previous.deb"))
	}
}

func TestSelfTestFailureRollsBack(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	deb, sig := r.pkg("v1", "v1", r.priv)
	if err := r.u.Apply(ctx, deb, sig); err != nil {
		t.Fatal(err)
	}
	r.u.SelfTest = func(context.Context) error { return errors.New("kiosk.service did not become ready") }
	deb, sig = r.pkg("v2", "v2", r.priv)
	err := r.u.Apply(ctx, deb, sig)
	if !errors.Is(err, ErrSelfTest) {
		t.Fatalf("Apply = %v, want ErrSelfTest", err)
	}
	if want := []string{"v1", "v2", "v1"}; !slices.Equal(r.installed, want) {
		t.Errorf("installed %q, want %q", r.installed, want)
	}
	if r.kept("current.deb") != "v1" {
		t.Errorf("current %q after the rollback, want v1", r.kept("current.deb"))
	}
}

func TestRollbackRefuses(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(r *rig)
		want    error
	}{
		{"nothing kept", func(*rig) {}, ErrNoPrevious},
		{"only one package ever installed", func(r *rig) {
			deb, sig := r.pkg("v1", "v1", r.priv)
			if err := r.u.Apply(context.Background(), deb, sig); err != nil {
				r.t.Fatal(err)
			}
		}, ErrNoPrevious},
		{"kept package changed on disk", func(r *rig) {
			for _, v := range []string{"v1", "v2"} {
				deb, sig := r.pkg(v, v, r.priv)
				if err := r.u.Apply(context.Background(), deb, sig); err != nil {
					r.t.Fatal(err)
				}
			}
			os.WriteFile(filepath.Join(r.u.StateDir, "previous.deb"), []byte("evil"), 0o600)
		}, ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			tt.prepare(r)
			before := len(r.installed)
			if err := r.u.Rollback(context.Background()); !errors.Is(err, tt.want) {
				t.Fatalf("Rollback = %v, want %v", err, tt.want)
			}
			if len(r.installed) != before {
				t.Errorf("installed %q during a refused rollback", r.installed[before:])
			}
		})
	}
}

func TestGenerateKeyRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	priv, pub := filepath.Join(dir, "k"), filepath.Join(dir, "k.pub")
	if err := GenerateKey(priv, pub); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(priv)
	if err := GenerateKey(priv, pub); err == nil {
		t.Fatal("GenerateKey overwrote an existing key")
	}
	after, _ := os.ReadFile(priv)
	if !bytes.Equal(before, after) {
		t.Error("private key changed")
	}
	if fi, _ := os.Stat(priv); fi.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v, want 0600", fi.Mode().Perm())
	}
}
