package browser

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestFindHonoursCHROMIUM(t *testing.T) {
	t.Setenv(EnvChromium, filepath.Join(t.TempDir(), "no-such-chromium"))
	_, err := Find()
	if !errors.Is(err, ErrNoChromium) {
		t.Fatalf("Find with a missing $CHROMIUM: %v", err)
	}
	if !strings.Contains(err.Error(), InstallCommand) {
		t.Errorf("the error does not say how to install Chromium: %v", err)
	}
}

func TestArtifactDirFromEnv(t *testing.T) {
	want := filepath.Join(t.TempDir(), "a", "b")
	t.Setenv(EnvArtifacts, want)
	got, err := ArtifactDir()
	if err != nil || got != want {
		t.Fatalf("ArtifactDir = %q, %v; want %q", got, err, want)
	}
	if fi, err := os.Stat(want); err != nil || !fi.IsDir() {
		t.Errorf("artifact folder not created: %v", err)
	}
}

// TestBrowser drives a page through the helper: navigation, evaluation, the viewport,
// the console, and a screenshot of the whole page rather than the viewport.
func TestBrowser(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><html lang="zh-CN"><title>浏览器测试</title>
<body style="margin:0"><div style="height:2000px">中文</div><script>console.log("hello from the page")</script>`)
	}))
	defer srv.Close()
	b := ForTest(t, Options{Width: 800, Height: 600})
	if err := b.Navigate(srv.URL); err != nil {
		t.Fatal(err)
	}
	title, err := Eval[string](b, `document.title`)
	if err != nil || title != "浏览器测试" {
		t.Errorf("title %q, %v", title, err)
	}
	width, err := Eval[int](b, `window.innerWidth`)
	if err != nil || width != 800 {
		t.Errorf("viewport width %d, %v", width, err)
	}
	if err := b.SetViewport(400, 300); err != nil {
		t.Fatal(err)
	}
	if width, _ = Eval[int](b, `window.innerWidth`); width != 400 {
		t.Errorf("after SetViewport the width is %d", width)
	}
	path, err := b.Screenshot(t.TempDir(), "page.png")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if cfg.Width != 400 || cfg.Height < 2000 {
		t.Errorf("screenshot is %d×%d, want the full 400×2000 page", cfg.Width, cfg.Height)
	}
	found := false
	for _, m := range b.Console() {
		found = found || strings.Contains(m.Text, "hello from the page")
	}
	if !found {
		t.Errorf("console message not seen: %v", b.Console())
	}
}

// fakeTB records how ForTest ends a test without Chromium.
type fakeTB struct {
	testing.TB
	fatal, skip string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skip = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestForTestWithoutChromium(t *testing.T) {
	run := func() *fakeTB {
		f := &fakeTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			ForTest(f, Options{})
		}()
		<-done
		return f
	}
	t.Setenv(EnvChromium, filepath.Join(t.TempDir(), "no-such-chromium"))
	t.Setenv(EnvSkip, "")
	if f := run(); f.fatal == "" || !strings.Contains(f.fatal, InstallCommand) || f.skip != "" {
		t.Errorf("without Chromium: fatal %q, skip %q; want a failure naming %q", f.fatal, f.skip, InstallCommand)
	}
	t.Setenv(EnvSkip, "1")
	if f := run(); f.skip == "" || f.fatal != "" {
		t.Errorf("with %s=1: fatal %q, skip %q; want a skip", EnvSkip, f.fatal, f.skip)
	}
}
