package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"

	"sckiosk/devices/idcard"
	"sckiosk/devices/idcard/idcardsim"
	"sckiosk/kiosk/core/identity"
)

const cardsDir = "../../devices/idcard/idcardsim/testdata/cards/"

// simWith starts a reader simulator with opts and, if fixture is set, the
// card from that fixture file.
func simWith(t *testing.T, opts idcardsim.SimOptions, fixture string) (string, idcard.Card) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sim, p, err := idcardsim.StartPtyWith(ctx, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	var c idcard.Card
	if fixture != "" {
		if c, err = idcardsim.LoadFixture(cardsDir + fixture); err != nil {
			t.Fatal(err)
		}
		if err := sim.Place(c); err != nil {
			t.Fatal(err)
		}
	}
	return p.SlavePath, c
}

func TestIDCardReadJSON(t *testing.T) {
	common := []string{"card_type", "sex", "birth", "id_number", "valid_from", "valid_to", "expired", "id_valid"}
	tests := []struct {
		fixture  string
		cardType string
		extra    []string
	}{
		{"resident.yaml", "resident", []string{"name", "nation", "address", "appended_address", "issuer"}},
		{"resident_expired.yaml", "resident", []string{"name", "nation", "address", "issuer"}},
		{"hmt.yaml", "hmt_resident_permit", []string{"name", "address", "issuer", "pass_number", "issue_count"}},
		{"foreign2017.yaml", "foreign_permanent_2017", []string{"name", "name_en", "issuer", "nationality"}},
		{"foreign2023.yaml", "foreign_permanent_2023", []string{"name", "name_en", "nationality", "renewal_count"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			port, c := simWith(t, idcardsim.SimOptions{}, tt.fixture)
			code, out, stderr := kioskctl(t, "idcard", "read", "--port", port, "--timeout", "15s", "--json", "--unmask")
			if code != 0 {
				t.Fatalf("exit %d: %s %s", code, out, stderr)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			keys := slices.Sorted(maps.Keys(got))
			want := slices.Sorted(slices.Values(append(slices.Clone(common), tt.extra...)))
			if !slices.Equal(keys, want) {
				t.Errorf("keys %v, want %v", keys, want)
			}
			if got["card_type"] != tt.cardType || got["id_number"] != c.Number || got["id_valid"] != true {
				t.Errorf("got %v", got)
			}
			if exp := tt.fixture == "resident_expired.yaml"; got["expired"] != exp {
				t.Errorf("expired = %v, want %v", got["expired"], exp)
			}
			if b, _ := got["birth"].(string); len(b) != 10 || b[4] != '-' || b[7] != '-' {
				t.Errorf("birth %q", b)
			}
		})
	}
}

func TestIDCardReadJSONValues(t *testing.T) {
	port, _ := simWith(t, idcardsim.SimOptions{}, "resident.yaml")
	code, out, stderr := kioskctl(t, "idcard", "read", "--port", port, "--timeout", "15s", "--json", "--unmask")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	want := `{"card_type":"resident","name":"李四","sex":"女","nation":"彝","birth":"1956-04-12",` +
		`"address":"四川省凉山彝族自治州西昌市长安中路8号","appended_address":"四川省成都市高新区天府大道北段1700号",` +
		`"id_number":"513401195604120024","issuer":"西昌市公安局","valid_from":"2016-04-12","valid_to":"长期",` +
		`"expired":false,"id_valid":true}` + "\n"
	if out != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

func TestIDCardReadMasked(t *testing.T) {
	for _, f := range []string{"resident.yaml", "hmt.yaml", "foreign2017.yaml", "foreign2023.yaml"} {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			for _, format := range [][]string{{"--json"}, nil} {
				port, c := simWith(t, idcardsim.SimOptions{}, f)
				args := append([]string{"idcard", "read", "--port", port, "--timeout", "15s"}, format...)
				code, out, stderr := kioskctl(t, args...)
				if code != 0 {
					t.Fatalf("exit %d: %s %s", code, out, stderr)
				}
				for _, secret := range []string{c.Name, c.NameEN, c.Number, c.Address, c.AppendedAddress, c.Birth} {
					if secret != "" && strings.Contains(out+stderr, secret) {
						t.Errorf("%v: output carries %q: %s", format, secret, out)
					}
				}
				if !strings.Contains(out, identity.MaskNumber(c.Number)) {
					t.Errorf("%v: no masked number in %s", format, out)
				}
			}
		})
	}
}

func TestIDCardReadFailures(t *testing.T) {
	tests := []struct {
		name    string
		opts    idcardsim.SimOptions
		fixture string
		want    string
	}{
		{"no card", idcardsim.SimOptions{}, "", "no card within"},
		{"card never seen", idcardsim.SimOptions{Fault: idcardsim.FaultNoCard}, "resident.yaml", "no card within"},
		{"SAM self-test", idcardsim.SimOptions{Fault: idcardsim.FaultSAMFail}, "resident.yaml", "reader fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			port, _ := simWith(t, tt.opts, tt.fixture)
			code, out, stderr := kioskctl(t, "idcard", "read", "--port", port, "--timeout", "1s", "--json")
			if code != 1 || !strings.Contains(stderr, tt.want) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", code, out, stderr, tt.want)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "kioskctl: idcard read: ") {
				t.Errorf("last stderr line %q", last)
			}
		})
	}
}

func TestIDCardReadFaultModesStillRead(t *testing.T) {
	for _, f := range []idcardsim.Fault{idcardsim.FaultNoise, idcardsim.FaultChunks, idcardsim.FaultChecksum, idcardsim.FaultRemoved} {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			port, c := simWith(t, idcardsim.SimOptions{Fault: f, Baud: 115200}, "hmt.yaml")
			code, out, stderr := kioskctl(t, "idcard", "read", "--port", port, "--timeout", "15s", "--json", "--unmask")
			if code != 0 || !strings.Contains(out, c.Number) {
				t.Errorf("exit %d: %s %s", code, out, stderr)
			}
		})
	}
}

func TestIDCardUsage(t *testing.T) {
	port, _ := simWith(t, idcardsim.SimOptions{}, "")
	tests := [][]string{
		{"idcard"},
		{"idcard", "write"},
		{"idcard", "read", "--port", port, "--baud", "0"},
		{"idcard", "read", "--port", port, "--timeout", "0s"},
		{"idcard", "read", "--port", port, "extra"},
		{"idcard", "read", "--port", port, "--json=maybe"},
		{"sim", "idcard", "--fault", "gremlins"},
		{"sim", "idcard", "--card", "/nonexistent/card.yaml"},
		{"sim", "idcard", "--card", cardsDir + "hmt.yaml", "extra"},
		{"sim", "idcard", "--baud", "-1"},
	}
	for _, args := range tests {
		code, _, stderr := kioskctl(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, stderr)
		}
	}
}

func TestSimIDCardCardFlag(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no card placed"},
		{[]string{"--card"}, "resident ID card placed (sample)"},
		{[]string{"--card", "sample"}, "resident ID card placed (sample)"},
		{[]string{"--card", cardsDir + "hmt.yaml", "--fault", "noise"}, "Hong Kong/Macau/Taiwan residence permit placed"},
		{[]string{"--card=" + cardsDir + "foreign2023.yaml", "--baud", "9600"}, "(2023) placed"},
		{[]string{"--fault", "slow", "--card", cardsDir + "foreign2017.yaml"}, "fault slow"},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // print, place and return
		var out strings.Builder
		err := simIDCard(ctx, tt.args, &out, discardLog())
		if err != nil || !strings.Contains(out.String(), tt.want) || !strings.Contains(out.String(), "simulator on ") {
			t.Errorf("%v: %v, %q; want %q", tt.args, err, out.String(), tt.want)
		}
	}
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
