// Command hallserver is one service hall's fleet server: an embedded MQTT
// v5 broker for the hall's kiosks (or a client of the province's broker
// with --broker) and the hall staff's dashboard, which only logged-in
// operators use (hallserver admin manages them).
//
//	hallserver admin init --password-file admin.pw
//	hallserver --mqtt :1883 --http 127.0.0.1:8080 --division 510107 --hall wuhou --fleet-key fleet.key --key-id wuhou-2026
//	hallserver --http :8443 --http-cert dash.pem --http-key dash.key ...
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
	"github.com/emmansun/gmsm/sm2"

	"sckiosk/internal/sm2pem"
	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/hall"
	"sckiosk/kiosk/fleet/hall/operator"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "admin" {
		return runAdmin(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("hallserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	mqttAddr := fs.String("mqtt", "127.0.0.1:1883", "address of the embedded broker (ignored with --broker)")
	broker := fs.String("broker", "", "use this MQTT v5 broker instead of the embedded one: mqtt://host:1883 or tls://host:8883")
	user := fs.String("user", "", "with --broker: MQTT user name")
	pass := fs.String("password", "", "with --broker: MQTT password (or $HALLSERVER_PASSWORD)")
	brokerCA := fs.String("broker-ca", "", "with --broker tls://: the broker's CA (PEM) instead of the system roots")
	brokerCert := fs.String("broker-cert", "", "with --broker tls://: the hall server's client certificate (PEM)")
	brokerKey := fs.String("broker-key", "", "with --broker tls://: its key")
	httpAddr := fs.String("http", "127.0.0.1:8080", "address of the dashboard; off loopback it needs --http-cert/--http-key or --insecure-http")
	httpCert := fs.String("http-cert", "", "dashboard: serve HTTPS with this certificate (PEM)")
	httpKey := fs.String("http-key", "", "dashboard: key of --http-cert")
	insecureHTTP := fs.Bool("insecure-http", false, "dashboard: allow plain HTTP off loopback (only behind the hall's TLS reverse proxy)")
	httpHosts := fs.String("http-host", "", "dashboard: comma-separated Host names (host:port) it answers to (default: the loopback names on loopback, any otherwise)")
	dataDir := fs.String("data-dir", defaultDataDir(), "the hall server's data directory: its store "+DBName+" (operators, sessions, audit log)")
	division := fs.String("division", "+", "GB/T 2260 division whose kiosks to follow (+ for all)")
	hallName := fs.String("hall", "+", "hall whose kiosks to follow (+ for all)")
	keyFile := fs.String("fleet-key", "", "SM2 private key (PEM) that signs commands (default: the demo fleet key, on loopback only)")
	keyID := fs.String("key-id", "", "key id of --fleet-key as kiosks' profiles name it (default: demo-fleet)")
	certFile := fs.String("tls-cert", "", "embedded broker: serve TLS with this certificate (PEM)")
	certKey := fs.String("tls-key", "", "embedded broker: key of --tls-cert")
	clientCA := fs.String("client-ca", "", "embedded broker: require kiosk client certificates from this CA (PEM)")
	canaryWait := fs.Duration("canary-wait", 2*time.Minute, "how long a canary must stay healthy before the rest get a profile")
	stale := fs.Duration("stale", 90*time.Second, "an online kiosk silent this long shows as lost (失联)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	exp := exposure{HTTP: *httpAddr, MQTT: *mqttAddr, Broker: *broker, TLS: *httpCert != "" || *httpKey != "",
		InsecureHTTP: *insecureHTTP, FleetKey: *keyFile != ""}
	if err := exp.check(); err != nil {
		fmt.Fprintln(stderr, "hallserver:", err)
		return 2
	}
	if (*httpCert == "") != (*httpKey == "") {
		fmt.Fprintln(stderr, "hallserver: --http-cert and --http-key go together")
		return 2
	}
	key, kid, err := loadKey(*keyFile, *keyID)
	if err != nil {
		fmt.Fprintln(stderr, "hallserver:", err)
		return 2
	}
	if *keyFile == "" {
		log.Warn("signing commands with the demo fleet key: simulation on loopback only")
	}
	var httpTLS *tls.Config
	if *httpCert != "" {
		pair, err := tls.LoadX509KeyPair(*httpCert, *httpKey)
		if err != nil {
			fmt.Fprintln(stderr, "hallserver: dashboard certificate:", err)
			return 2
		}
		httpTLS = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	}
	ops, err := openStore(*dataDir)
	if err != nil {
		fmt.Fprintln(stderr, "hallserver:", err)
		return 1
	}
	defer ops.Close()
	if _, err := firstAdmin(context.Background(), ops, stdout, log); err != nil {
		fmt.Fprintln(stderr, "hallserver:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	reg := &hall.Registry{StaleAfter: *stale}
	filter := fleet.Root + "/" + *division + "/" + *hallName + "/+/+"
	var pub hall.Publisher
	if *broker == "" {
		tlsCfg, err := brokerTLS(*certFile, *certKey, *clientCA)
		if err != nil {
			fmt.Fprintln(stderr, "hallserver:", err)
			return 2
		}
		b, err := hall.StartBroker(*mqttAddr, tlsCfg, log)
		if err != nil {
			fmt.Fprintln(stderr, "hallserver:", err)
			return 1
		}
		defer b.Close()
		if err := b.Subscribe(filter, func(topic string, p []byte) { reg.Handle(topic, p) }); err != nil {
			fmt.Fprintln(stderr, "hallserver:", err)
			return 1
		}
		pub = b
		log.Info("embedded broker listening", "addr", b.Addr())
	} else {
		if *pass == "" {
			*pass = os.Getenv("HALLSERVER_PASSWORD")
		}
		tlsCfg, err := fleet.ClientTLS(*brokerCA, *brokerCert, *brokerKey)
		if err != nil {
			fmt.Fprintln(stderr, "hallserver:", err)
			return 2
		}
		c, err := connect(ctx, *broker, *user, *pass, tlsCfg, filter, reg, log)
		if err != nil {
			fmt.Fprintln(stderr, "hallserver:", err)
			return 1
		}
		pub = c
	}
	ln, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		fmt.Fprintln(stderr, "hallserver:", err)
		return 1
	}
	web := &operator.Web{Store: ops, Log: log, Hosts: dashboardHosts(*httpHosts, ln.Addr())}
	srv, err := hall.New(hall.Config{Registry: reg, Pub: pub, Key: key, KeyID: kid, Issuer: "hallserver@" + *division + "/" + *hallName,
		CanaryWait: *canaryWait, Log: log, Operators: web})
	if err != nil {
		ln.Close()
		fmt.Fprintln(stderr, "hallserver:", err)
		return 1
	}
	scheme := "http"
	if httpTLS != nil {
		scheme, ln = "https", tls.NewListener(ln, httpTLS)
	}
	log.Info("dashboard", "url", scheme+"://"+ln.Addr().String()+"/", "hosts", strings.Join(web.Hosts, ","))
	hs := &http.Server{Handler: srv.Handler(ctx), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "hallserver:", err)
		return 1
	}
	return 0
}

func loadKey(file, kid string) (*sm2.PrivateKey, string, error) {
	if file == "" {
		if kid == "" {
			kid = fleet.DemoKeyID
		}
		return fleet.DemoKey(), kid, nil
	}
	key, err := sm2pem.ReadPrivateKey(file, "fleet key")
	if err != nil {
		return nil, "", err
	}
	if kid == "" {
		return nil, "", errors.New("--key-id is required with --fleet-key")
	}
	return key, kid, nil
}

// brokerTLS is the embedded broker's TLS: a server certificate and, with
// clientCA, required kiosk client certificates.
func brokerTLS(cert, key, clientCA string) (*tls.Config, error) {
	if cert == "" {
		if clientCA != "" {
			return nil, errors.New("--client-ca needs --tls-cert and --tls-key")
		}
		return nil, nil
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("broker certificate: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if clientCA != "" {
		pem, err := os.ReadFile(clientCA)
		if err != nil {
			return nil, fmt.Errorf("client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("client CA %s: no certificate", clientCA)
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// mqttClient follows the fleet topics on a province's broker and
// publishes commands there.
type mqttClient struct{ cm *autopaho.ConnectionManager }

func (c mqttClient) Publish(topic string, payload []byte, retain bool, qos byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.cm.Publish(ctx, &paho.Publish{Topic: topic, Payload: payload, Retain: retain, QoS: qos})
	return err
}

func connect(ctx context.Context, broker, user, pass string, tlsCfg *tls.Config, filter string, reg *hall.Registry, log *slog.Logger) (mqttClient, error) {
	u, err := url.Parse(broker)
	if err != nil {
		return mqttClient{}, fmt.Errorf("broker: %w", err)
	}
	host, _ := os.Hostname()
	cc := autopaho.ClientConfig{
		ServerUrls: []*url.URL{u}, TlsCfg: tlsCfg, KeepAlive: 30, CleanStartOnInitialConnection: true,
		ConnectUsername: user, ConnectPassword: []byte(pass),
		OnConnectionUp: func(cm *autopaho.ConnectionManager, _ *paho.Connack) {
			log.Info("connected to the broker", "broker", u.Host)
			go func() {
				if _, err := cm.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: filter, QoS: 1}}}); err != nil {
					log.Error("subscribe", "filter", filter, "err", err)
				}
			}()
		},
		OnConnectError: func(err error) { log.Warn("broker connect failed", "err", err) },
		ClientConfig: paho.ClientConfig{
			ClientID: "hallserver-" + host,
			OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
				reg.Handle(pr.Packet.Topic, pr.Packet.Payload)
				return true, nil
			}},
		},
	}
	cm, err := autopaho.NewConnection(ctx, cc)
	if err != nil {
		return mqttClient{}, fmt.Errorf("broker: %w", err)
	}
	return mqttClient{cm}, nil
}

// exposure is where the hall server listens and what protects it there.
type exposure struct {
	HTTP, MQTT   string // dashboard and embedded broker addresses
	Broker       string // a province's broker URL (then MQTT is not listened on)
	TLS          bool   // the dashboard serves HTTPS
	InsecureHTTP bool   // plain HTTP off loopback was asked for
	FleetKey     bool   // a fleet key was given (else the public demo key signs)
}

// check refuses what would expose the hall: the dashboard in plain HTTP
// off loopback (passwords and session cookies in clear) unless told
// --insecure-http (behind the hall's TLS reverse proxy), and the public
// demo fleet key anywhere but loopback (anyone could sign commands).
func (e exposure) check() error {
	if !e.TLS && !e.InsecureHTTP && !loopbackAddr(e.HTTP) {
		return fmt.Errorf("--http %s is not a loopback address: give --http-cert and --http-key, or --insecure-http behind the hall's TLS reverse proxy", e.HTTP)
	}
	if e.FleetKey {
		return nil
	}
	where := []string{"--http " + e.HTTP}
	ok := loopbackAddr(e.HTTP)
	if e.Broker == "" {
		where = append(where, "--mqtt "+e.MQTT)
		ok = ok && loopbackAddr(e.MQTT)
	} else {
		u, err := url.Parse(e.Broker)
		where = append(where, "--broker "+e.Broker)
		ok = ok && err == nil && loopbackHost(u.Hostname())
	}
	if !ok {
		return fmt.Errorf("no --fleet-key: the public demo fleet key signs only on loopback, and %s is not", strings.Join(where, ", "))
	}
	return nil
}

// loopbackAddr reports whether host:port is a loopback address; an empty
// host (every interface) is not.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	return loopbackHost(host)
}

func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// dashboardHosts are the Host headers the dashboard answers: those given,
// or on loopback the loopback names with the port listened on (so that a
// page of another name rebound to 127.0.0.1 is refused), or none (any).
func dashboardHosts(given string, addr net.Addr) []string {
	if given != "" {
		var out []string
		for _, h := range strings.Split(given, ",") {
			if h = strings.TrimSpace(h); h != "" {
				out = append(out, h)
			}
		}
		return out
	}
	ta, ok := addr.(*net.TCPAddr)
	if !ok || !ta.IP.IsLoopback() {
		return nil
	}
	port := fmt.Sprint(ta.Port)
	return []string{net.JoinHostPort("127.0.0.1", port), net.JoinHostPort("localhost", port), net.JoinHostPort("::1", port)}
}
