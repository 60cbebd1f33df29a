package stack

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

//go:embed launcher.py
var launcherSource string

// InstallCommand is what a developer runs when no python has moto; `make run`
// and `make test` run it themselves (infra/stack.mk, infra/python.mk): the
// version pinned in infra/requirements.txt, into .venv.
const InstallCommand = "make moto (or: python3 -m venv .venv && .venv/bin/pip install -r " + RequirementsFile + ")"

// FindPython names the python that runs moto: $NIANBAO_PYTHON, else the
// project's .venv (made by make when the system python lacks moto), else
// python3. Whether it really has moto shows when it starts.
func FindPython(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	if p := getenv("NIANBAO_PYTHON"); p != "" {
		return p
	}
	if root, err := ModuleRoot(); err == nil {
		venv := filepath.Join(root, ".venv", "bin", "python")
		if _, err := os.Stat(venv); err == nil {
			return venv
		}
	}
	return "python3"
}

// ModuleRoot is the directory of the go.mod above the working directory:
// tests run in their package's directory, `nianbao run` anywhere inside.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("stack: no go.mod above the working directory")
		}
		dir = parent
	}
}

// moto is the running moto server process.
type moto struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	port  int
	info  launchInfo
	done  chan struct{} // closed when the process has exited
	err   error         // why it exited, valid after done

	stopOnce sync.Once
}

// launchInfo is the line the launcher prints once it listens.
type launchInfo struct {
	Port        int      `json:"port"`
	Moto        string   `json:"moto"`
	Python      string   `json:"python"`
	Workarounds []string `json:"workarounds"`
	Error       string   `json:"error"`
}

// startMoto starts moto through the embedded launcher. gatewayPort becomes
// MOTO_PORT: moto's Step Functions interpreter sends its service calls to
// http://localhost:$MOTO_PORT, so they pass through the gateway.
func startMoto(ctx context.Context, python string, gatewayPort int, logw io.Writer, verbose bool) (*moto, error) {
	args := []string{"-c", launcherSource, "--host", "127.0.0.1", "--port", "0"}
	if verbose {
		args = append(args, "--verbose")
	}
	cmd := exec.Command(python, args...)
	cmd.Env = motoEnv(gatewayPort)
	cmd.SysProcAttr = sysProcAttr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// Keep the end of stderr for the error message when the start fails.
	tail := &tailWriter{max: 4096}
	cmd.Stderr = io.MultiWriter(tail, logw)
	m := &moto{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	if err := startProcess(cmd, m.done); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("stack: %s not found; install Python 3 and moto: %s", python, InstallCommand)
		}
		return nil, fmt.Errorf("stack: start moto with %s: %w", python, err)
	}
	go func() {
		m.err = cmd.Wait()
		close(m.done)
	}()

	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		first := true
		for sc.Scan() {
			if first {
				lines <- sc.Text()
				first = false
				continue
			}
			fmt.Fprintln(logw, sc.Text())
		}
		if first {
			close(lines)
		}
	}()

	timer := time.NewTimer(30 * time.Second)
	defer timer.Stop()
	select {
	case line, ok := <-lines:
		if !ok {
			<-m.done
			return nil, motoStartError(python, tail.String(), m.err)
		}
		if err := json.Unmarshal([]byte(line), &m.info); err != nil || m.info.Port == 0 {
			m.stop()
			return nil, fmt.Errorf("stack: moto launcher said %q", line)
		}
	case <-timer.C:
		m.stop()
		return nil, fmt.Errorf("stack: moto did not start within 30s; its last words: %s", tail.String())
	case <-ctx.Done():
		m.stop()
		return nil, ctx.Err()
	}
	m.port = m.info.Port
	if err := m.waitReady(ctx); err != nil {
		m.stop()
		return nil, err
	}
	return m, nil
}

func motoStartError(python, stderr string, err error) error {
	if strings.Contains(stderr, "No module named") || strings.Contains(stderr, "needs moto") {
		return fmt.Errorf("stack: %s cannot import moto (or flask/werkzeug for its server); install it: %s\n(or set NIANBAO_PYTHON to a python that has moto 5)\n%s",
			python, InstallCommand, lastLines(stderr, 3))
	}
	return fmt.Errorf("stack: moto exited while starting (%v):\n%s", err, lastLines(stderr, 15))
}

// motoEnv is the environment of the moto process: the developer's own AWS
// settings must not leak into moto's internal clients.
func motoEnv(gatewayPort int) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || k == "MOTO_PORT" {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"MOTO_PORT="+strconv.Itoa(gatewayPort),
		"AWS_ACCESS_KEY_ID=nianbao", "AWS_SECRET_ACCESS_KEY=nianbao", "AWS_DEFAULT_REGION="+Region,
		"PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1",
	)
}

func (m *moto) url() string { return "http://127.0.0.1:" + strconv.Itoa(m.port) }

// waitReady polls moto until it answers and has state machine execution on.
func (m *moto) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.url()+"/moto-api/config", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			// moto 5.2.1 leaves stepfunctions out of this answer; a moto
			// that reports it must report it on.
			var cfg struct {
				StepFunctions *struct {
					Execute bool `json:"execute_state_machine"`
				} `json:"stepfunctions"`
			}
			derr := json.NewDecoder(resp.Body).Decode(&cfg)
			resp.Body.Close()
			if derr == nil && resp.StatusCode/100 == 2 { // 201 in moto 5.2.1
				if cfg.StepFunctions != nil && !cfg.StepFunctions.Execute {
					return errors.New("stack: moto answers but does not execute state machines")
				}
				return nil
			}
		}
		select {
		case <-m.done:
			return fmt.Errorf("stack: moto exited before answering: %v", m.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("stack: moto does not answer on %s: %v", m.url(), err)
		}
	}
}

// stop ends moto: closing its stdin makes the launcher exit at once; a
// signal to its process group follows if it does not.
func (m *moto) stop() error {
	m.stopOnce.Do(func() {
		m.stdin.Close()
		select {
		case <-m.done:
			return
		case <-time.After(2 * time.Second):
		}
		signalGroup(m.cmd, syscall.SIGTERM)
		select {
		case <-m.done:
			return
		case <-time.After(2 * time.Second):
		}
		signalGroup(m.cmd, syscall.SIGKILL)
		<-m.done
	})
	return nil
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.TrimSpace([]byte(strings.Join(lines, "\n"))))
}
