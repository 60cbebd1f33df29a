// Package browser starts Debian's headless Chromium for the project's browser tests,
// through chromedp, with the flags this machine needs: as root it must run without the
// sandbox, and without background networking Chromium does not hammer a closed network.
// Each browser gets a fresh profile folder, removed on Close.
//
// Tests call ForTest; other tools call Start. Screenshots go to an artifact folder
// ($NIANBAO_ARTIFACTS, or a new temporary folder) that is kept after the run and never
// committed.
package browser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const (
	// EnvChromium names the Chromium binary to run instead of /usr/bin/chromium.
	EnvChromium = "CHROMIUM"
	// EnvSkip, set to 1, lets ForTest skip a test when Chromium is missing; otherwise a
	// missing Chromium fails the test, so CI cannot pass by silently testing nothing.
	EnvSkip = "NIANBAO_SKIP_BROWSER"
	// EnvArtifacts is the folder screenshots are written to (created when missing).
	EnvArtifacts = "NIANBAO_ARTIFACTS"
	// InstallCommand installs what the browser tests need on Debian.
	InstallCommand = "apt-get update && apt-get install -y chromium fonts-noto-cjk"
)

// ErrNoChromium is matched (errors.Is) when no Chromium binary can be found.
var ErrNoChromium = errors.New("chromium not found (install: " + InstallCommand + ")")

// Find returns the Chromium to run: $CHROMIUM, else /usr/bin/chromium, else chromium or
// chromium-browser on PATH.
func Find() (string, error) {
	if p := os.Getenv(EnvChromium); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("$%s=%s: %w: %w", EnvChromium, p, ErrNoChromium, err)
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Options configure a browser. The zero value is a 1280×800 viewport, the Chromium of
// Find, 30 s per action, and logs through slog.
type Options struct {
	Width, Height int    // viewport in CSS pixels
	ExecPath      string // Chromium binary; default Find()
	// Timeout bounds each action (navigation, evaluation, screenshot).
	Timeout time.Duration
	// Logf receives chromedp's and the page's console messages; default slog.Debug.
	Logf func(format string, args ...any)
}

func (o *Options) defaults() error {
	if o.Width == 0 {
		o.Width = 1280
	}
	if o.Height == 0 {
		o.Height = 800
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Logf == nil {
		o.Logf = func(format string, args ...any) { slog.Debug(fmt.Sprintf(format, args...)) }
	}
	if o.ExecPath == "" {
		p, err := Find()
		if err != nil {
			return err
		}
		o.ExecPath = p
	}
	return nil
}

// Browser is one headless Chromium with one tab.
type Browser struct {
	opts        Options
	tab         context.Context
	cancelTab   context.CancelFunc
	cancelAlloc context.CancelFunc
	profile     string

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
	closed  bool
}

// Start launches Chromium and opens its tab with the viewport of opts. The browser lives
// until Close or until ctx ends.
func Start(ctx context.Context, opts Options) (*Browser, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	profile, err := os.MkdirTemp("", "nianbao-chromium-")
	if err != nil {
		return nil, fmt.Errorf("browser profile folder: %w", err)
	}
	flags := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(opts.ExecPath),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox, // root in a container: the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.WindowSize(opts.Width, opts.Height),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, flags...)
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(opts.Logf), chromedp.WithErrorf(opts.Logf))
	b := &Browser{opts: opts, tab: tab, cancelTab: cancelTab, cancelAlloc: cancelAlloc, profile: profile}
	// The first Do starts the browser and binds it to tab, which has no deadline of
	// its own (a deadline there would end the browser, not the start).
	if err := chromedp.Do(tab); err != nil {
		b.Close()
		return nil, fmt.Errorf("start %s: %w", opts.ExecPath, err)
	}
	messages := chromedp.Console(tab)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			if !b.closed { // a test's Logf must not run after the test ends
				opts.Logf("console %s: %s", m.Type, m.Text)
			}
			b.mu.Unlock()
		}
	}()
	if err := b.SetViewport(opts.Width, opts.Height); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Context is the tab's chromedp context, for actions this package does not wrap.
func (b *Browser) Context() context.Context { return b.tab }

// Do runs actions in the tab, within the action timeout.
func (b *Browser) Do(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.tab, b.opts.Timeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// Navigate opens url in the tab and waits for the page to load.
func (b *Browser) Navigate(url string) error {
	if err := b.Do(chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("navigate to %s: %w", url, err)
	}
	return nil
}

// SetViewport sets the viewport in CSS pixels (desktop, scale 1).
func (b *Browser) SetViewport(width, height int) error {
	if err := b.Do(chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		return fmt.Errorf("set viewport %d×%d: %w", width, height, err)
	}
	return nil
}

// Eval evaluates a JavaScript expression in the tab's page and decodes its JSON value.
func Eval[T any](b *Browser, expression string) (T, error) {
	ctx, cancel := context.WithTimeout(b.tab, b.opts.Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
	if err != nil {
		return v, fmt.Errorf("evaluate %q: %w", abbreviate(expression), err)
	}
	return v, nil
}

// Screenshot captures the whole page (not only the viewport) as PNG into dir/name and
// returns the file's path.
func (b *Browser) Screenshot(dir, name string) (string, error) {
	ctx, cancel := context.WithTimeout(b.tab, b.opts.Timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return "", fmt.Errorf("screenshot: %w", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "", fmt.Errorf("screenshot: %w", err)
	}
	return path, nil
}

// Console returns the console messages and browser log entries seen so far (a CSP
// violation, a failed load, an exception).
func (b *Browser) Console() []chromedp.ConsoleMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), b.console...)
}

// Close stops the browser and removes its profile folder.
func (b *Browser) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	// Close gracefully, but do not wait forever for a browser that hangs.
	ctx, cancel := context.WithTimeout(b.tab, 10*time.Second)
	_ = chromedp.Cancel(ctx)
	cancel()
	b.cancelTab()
	b.cancelAlloc() // kills the process if it is still there, and waits for it
	if err := os.RemoveAll(b.profile); err != nil {
		return fmt.Errorf("remove browser profile: %w", err)
	}
	return nil
}

// ArtifactDir is the folder for screenshots and other outputs to look at after a run:
// $NIANBAO_ARTIFACTS (created when missing), or a new temporary folder. It is never
// removed by this package.
func ArtifactDir() (string, error) {
	if d := os.Getenv(EnvArtifacts); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", fmt.Errorf("artifact folder: %w", err)
		}
		return d, nil
	}
	d, err := os.MkdirTemp("", "nianbao-artifacts-")
	if err != nil {
		return "", fmt.Errorf("artifact folder: %w", err)
	}
	return d, nil
}

// ForTest starts a browser for a test and closes it when the test ends. Without
// Chromium the test fails, naming the install command; with NIANBAO_SKIP_BROWSER=1 it
// is skipped instead. Console messages are logged to the test.
func ForTest(t testing.TB, opts Options) *Browser {
	t.Helper()
	if opts.ExecPath == "" {
		p, err := Find()
		if err != nil {
			if os.Getenv(EnvSkip) == "1" {
				t.Skipf("%v; skipped because %s=1", err, EnvSkip)
			}
			t.Fatalf("%v. Install it with `%s`, or set %s=1 to skip browser tests.", err, InstallCommand, EnvSkip)
		}
		opts.ExecPath = p
	}
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	b, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("start browser: %v", err)
	}
	t.Cleanup(func() {
		// t.Logf must not be called after the test ends: stop the browser first.
		if err := b.Close(); err != nil {
			t.Errorf("close browser: %v", err)
		}
	})
	return b
}

// ArtifactDirForTest is ArtifactDir for a test: a failure to create it fails the test, and
// the folder's path is logged so the screenshots can be found.
func ArtifactDirForTest(t testing.TB) string {
	t.Helper()
	d, err := ArtifactDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("artifacts in %s", d)
	return d
}

func abbreviate(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
