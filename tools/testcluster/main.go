// Command testcluster runs a real Kubernetes control plane on loopback for tests and the demo:
// an embedded etcd, kube-apiserver and kube-controller-manager (garbage collector, namespace and
// service account controllers only).
//
// Usage:
//
//	testcluster [-dir DIR]                 run the control plane (the orchestrator)
//	testcluster kube-apiserver ARGS...     run the upstream kube-apiserver command
//	testcluster kube-controller-manager ARGS...
//
// The orchestrator starts the two components as child processes of this same binary
// (hyperkube style): in one process they collide on process-global state (signal handler,
// logging, feature gates). It prints one line per event on stdout:
//
//	kubeconfig <path>    the admin kubeconfig (static token, our CA)
//	control <url>        POST <url>/stop-apiserver and <url>/start-apiserver, for fault tests
//	ready                the apiserver answers /readyz and the controller manager runs
//
// It stops cleanly on SIGTERM, SIGINT and when its stdin closes; the children receive SIGKILL
// when the orchestrator dies (Pdeathsig), so a crashed test run leaves no processes behind.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/component-base/cli"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		// Each constructor sets up the process's signal handler: call exactly one.
		case "kube-apiserver":
			runUpstream(apiserver.NewAPIServerCommand(), os.Args[2:])
		case "kube-controller-manager":
			runUpstream(controllermanager.NewControllerManagerCommand(), os.Args[2:])
		}
	}
	dir := flag.String("dir", "", "state directory (default: a new temporary directory, removed on exit)")
	flag.Parse()
	if err := orchestrate(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "testcluster:", err)
		os.Exit(1)
	}
}

// runUpstream runs one upstream component command with args and exits with its status.
func runUpstream(command *cobra.Command, args []string) {
	command.SetArgs(args)
	os.Exit(cli.Run(command))
}

// cluster is the orchestrator's state.
type cluster struct {
	dir           string
	self          string
	apiserverPort int
	etcdURL       string
	token         string

	mu        sync.Mutex
	apiserver *child
	kcm       *child
}

// child is a running component process; done closes when it has exited.
type child struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// stop sends SIGTERM, then SIGKILL after 10 s, and waits for the exit.
func (p *child) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

func orchestrate(dir string) error {
	removeDir := false
	if dir == "" {
		tmp, err := os.MkdirTemp("", "testcluster-")
		if err != nil {
			return err
		}
		dir, removeDir = tmp, true
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	c := &cluster{dir: dir, self: self}
	defer func() {
		c.stopAll()
		if removeDir {
			os.RemoveAll(dir)
		}
	}()

	if err := c.writeCredentials(); err != nil {
		return fmt.Errorf("cannot write credentials in %s: %w", dir, err)
	}
	etcd, err := c.startEtcd()
	if err != nil {
		return fmt.Errorf("cannot start etcd: %w", err)
	}
	defer etcd.Close()

	if c.apiserverPort, err = freePort(); err != nil {
		return err
	}
	if err := c.writeKubeconfig(); err != nil {
		return err
	}
	if err := c.startAPIServer(); err != nil {
		return err
	}
	if err := c.waitReady(2 * time.Minute); err != nil {
		return err
	}
	if err := c.startControllerManager(); err != nil {
		return err
	}
	control, err := c.serveControl()
	if err != nil {
		return err
	}
	fmt.Printf("kubeconfig %s\n", c.path("kubeconfig"))
	fmt.Printf("control %s\n", control)
	fmt.Println("ready")

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	stdinClosed := make(chan struct{})
	go waitStdinClosed(stdinClosed)
	select {
	case sig := <-signals:
		fmt.Fprintln(os.Stderr, "testcluster: stopping on", sig)
	case <-stdinClosed:
		fmt.Fprintln(os.Stderr, "testcluster: stopping, stdin closed")
	}
	return nil
}

// waitStdinClosed returns when stdin reaches end of file or fails.
func waitStdinClosed(closed chan<- struct{}) {
	defer close(closed)
	buffer := make([]byte, 512)
	for {
		if _, err := os.Stdin.Read(buffer); err != nil {
			return
		}
	}
}

// serveControl answers POST /stop-apiserver and POST /start-apiserver on a loopback port, for
// fault tests; it returns the base URL.
func (c *cluster) serveControl() (string, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /stop-apiserver", func(w http.ResponseWriter, _ *http.Request) {
		c.stopAPIServer()
		fmt.Fprintln(w, "apiserver stopped")
	})
	mux.HandleFunc("POST /start-apiserver", func(w http.ResponseWriter, _ *http.Request) {
		if err := c.startAPIServer(); err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		if err := c.waitReady(2 * time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "apiserver ready")
	})
	go http.Serve(listener, mux)
	return "http://" + listener.Addr().String(), nil
}

func (c *cluster) path(name string) string { return filepath.Join(c.dir, name) }

// writeCredentials makes the CA, the apiserver's serving certificate, the service account key
// and the static admin token.
func (c *cluster) writeCredentials() error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "testcluster-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	servingKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	servingTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1"), net.ParseIP("10.96.0.1")},
	}
	servingDER, err := x509.CreateCertificate(rand.Reader, servingTemplate, caCert, &servingKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	token := make([]byte, 24)
	if _, err := rand.Read(token); err != nil {
		return err
	}
	c.token = hex.EncodeToString(token)

	files := map[string][]byte{
		"ca.crt":      pemBlock("CERTIFICATE", caDER),
		"serving.crt": pemBlock("CERTIFICATE", servingDER),
		"tokens.csv":  []byte(c.token + ",admin,admin,system:masters\n"),
	}
	for name, key := range map[string]*ecdsa.PrivateKey{"serving.key": servingKey, "sa.key": saKey} {
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return err
		}
		files[name] = pemBlock("EC PRIVATE KEY", der)
	}
	saPub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return err
	}
	files["sa.pub"] = pemBlock("PUBLIC KEY", saPub)
	for name, content := range files {
		if err := os.WriteFile(c.path(name), content, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func pemBlock(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}

// writeKubeconfig writes the admin kubeconfig (static token, our CA).
func (c *cluster) writeKubeconfig() error {
	ca, err := os.ReadFile(c.path("ca.crt"))
	if err != nil {
		return err
	}
	config := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: testcluster
  cluster:
    server: https://127.0.0.1:%d
    certificate-authority-data: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: testcluster
  context:
    cluster: testcluster
    user: admin
current-context: testcluster
`, c.apiserverPort, base64.StdEncoding.EncodeToString(ca), c.token)
	return os.WriteFile(c.path("kubeconfig"), []byte(config), 0o600)
}

// startEtcd starts an embedded single-member etcd on loopback without fsync.
func (c *cluster) startEtcd() (*embed.Etcd, error) {
	clientPort, err := freePort()
	if err != nil {
		return nil, err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, err
	}
	clientURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", clientPort)}
	peerURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peerPort)}
	cfg := embed.NewConfig()
	cfg.Name = "testcluster"
	cfg.Dir = c.path("etcd")
	cfg.UnsafeNoFsync = true
	cfg.LogLevel = "error"
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = fmt.Sprintf("%s=%s", cfg.Name, peerURL.String())
	etcd, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-etcd.Server.ReadyNotify():
	case <-time.After(time.Minute):
		etcd.Close()
		return nil, errors.New("etcd not ready after 1m")
	}
	c.etcdURL = clientURL.String()
	return etcd, nil
}

func (c *cluster) startAPIServer() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.apiserver != nil {
		return errors.New("kube-apiserver is already running")
	}
	args := []string{
		"--etcd-servers=" + c.etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", c.apiserverPort),
		"--cert-dir=" + c.path("apiserver-certs"),
		"--tls-cert-file=" + c.path("serving.crt"),
		"--tls-private-key-file=" + c.path("serving.key"),
		"--client-ca-file=" + c.path("ca.crt"),
		"--token-auth-file=" + c.path("tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + c.path("sa.pub"),
		"--service-account-signing-key-file=" + c.path("sa.key"),
		"--service-cluster-ip-range=10.96.0.0/16",
		"--endpoint-reconciler-type=none",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
	}
	process, err := c.startChild("kube-apiserver", args)
	if err != nil {
		return err
	}
	c.apiserver = process
	return nil
}

func (c *cluster) startControllerManager() error {
	args := []string{
		"--kubeconfig=" + c.path("kubeconfig"),
		"--controllers=garbagecollector,namespace,serviceaccount",
		"--leader-elect=false",
		"--use-service-account-credentials=false",
		"--root-ca-file=" + c.path("ca.crt"),
		"--bind-address=127.0.0.1",
		"--secure-port=0",
		"--concurrent-gc-syncs=5",
	}
	process, err := c.startChild("kube-controller-manager", args)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.kcm = process
	c.mu.Unlock()
	return nil
}

// startChild runs this binary with a component subcommand; its log goes to DIR/<name>.log.
func (c *cluster) startChild(name string, args []string) (*child, error) {
	logFile, err := os.OpenFile(c.path(name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(c.self, append([]string{name}, args...)...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("cannot start %s: %w", name, err)
	}
	logFile.Close()
	process := &child{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(process.done) }()
	return process, nil
}

// stopAPIServer terminates kube-apiserver and waits until it has exited.
func (c *cluster) stopAPIServer() {
	c.mu.Lock()
	process := c.apiserver
	c.apiserver = nil
	c.mu.Unlock()
	if process != nil {
		process.stop()
	}
}

// stopAll stops the controller manager, then the apiserver.
func (c *cluster) stopAll() {
	c.mu.Lock()
	kcm := c.kcm
	c.kcm = nil
	c.mu.Unlock()
	if kcm != nil {
		kcm.stop()
	}
	c.stopAPIServer()
}

// waitReady polls /readyz until it answers 200.
func (c *cluster) waitReady(timeout time.Duration) error {
	ca, err := os.ReadFile(c.path("ca.crt"))
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	endpoint := fmt.Sprintf("https://127.0.0.1:%d/readyz", c.apiserverPort)
	for {
		c.mu.Lock()
		process := c.apiserver
		c.mu.Unlock()
		if process != nil {
			select {
			case <-process.done:
				return fmt.Errorf("kube-apiserver exited; see %s", c.path("kube-apiserver.log"))
			default:
			}
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kube-apiserver not ready after %s; see %s", timeout, c.path("kube-apiserver.log"))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer listener.Close()
	return listener.Addr().(*net.TCPAddr).Port, nil
}
