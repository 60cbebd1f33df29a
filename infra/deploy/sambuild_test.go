package deploy

import (
	"debug/buildinfo"
	"debug/elf"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"nianbao/infra/stack"
)

// sizeSlack is how many bytes a function's two builds may differ by: the
// same flags and sources give the same binary, but the build info's VCS
// stamp may differ (a file touched between the builds).
const sizeSlack = 64

// `sam build` (make sam-check, in make test) leaves, for every function of the
// template, a bootstrap under .aws-sam/build/<LogicalId>/ that is the build
// `make build` makes: the same Go, package, flags and target, and the same
// size within a few bytes.
func TestSAMBuildIsMakeBuild(t *testing.T) {
	samDir, makeDir := os.Getenv("NIANBAO_SAM_BUILD"), os.Getenv("NIANBAO_MAKE_BUILD")
	if samDir == "" || makeDir == "" {
		t.Skip("run by make sam-check (part of make test), after sam build and make build")
	}
	tmpl, err := stack.LoadTemplate(filepath.Join(moduleRoot(t), TemplateFile))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id, r := range tmpl.Resources {
		if r.Type == "AWS::Serverless::Function" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		t.Fatal("template.yaml has no functions")
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			sam := filepath.Join(samDir, id, "bootstrap")
			ref := filepath.Join(makeDir, id, "bootstrap")
			samInfo, samSize := readBuild(t, "sam build", sam)
			refInfo, refSize := readBuild(t, "make build", ref)
			if d := samSize - refSize; d > sizeSlack || d < -sizeSlack {
				t.Errorf("sam build's bootstrap is %d bytes, make build's %d", samSize, refSize)
			}
			if samInfo.GoVersion != refInfo.GoVersion || samInfo.Path != refInfo.Path {
				t.Errorf("sam build: %s %s; make build: %s %s", samInfo.GoVersion, samInfo.Path, refInfo.GoVersion, refInfo.Path)
			}
			samSet, refSet := buildSettings(samInfo), buildSettings(refInfo)
			if !slices.Equal(samSet, refSet) {
				t.Errorf("build settings differ:\n sam build:  %v\n make build: %v", samSet, refSet)
			}
			for _, want := range []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "-tags=lambda.norpc", "-trimpath=true"} {
				if !slices.Contains(refSet, want) {
					t.Errorf("make build's %s was not built with %s: %v", id, want, refSet)
				}
			}
			// -ldflags "-s -w" is left out of the build info under -trimpath:
			// it shows as no symbol table and no DWARF.
			for what, path := range map[string]string{"sam build": sam, "make build": ref} {
				if secs := debugSections(t, path); len(secs) > 0 {
					t.Errorf("%s's %s is not stripped (-ldflags \"-s -w\"): it has %v", what, id, secs)
				}
			}
		})
	}
}

func readBuild(t *testing.T, what, path string) (*buildinfo.BuildInfo, int64) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("%s left no bootstrap: %v", what, err)
	}
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %s is not a Go binary: %v", what, path, err)
	}
	return info, st.Size()
}

// debugSections are the ELF sections -s (symbol table) and -w (DWARF) leave out.
func debugSections(t *testing.T, path string) []string {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	for _, s := range f.Sections {
		if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
			out = append(out, s.Name)
		}
	}
	return out
}

// buildSettings are the flags and target of a build, without its VCS stamp.
func buildSettings(info *buildinfo.BuildInfo) []string {
	var out []string
	for _, s := range info.Settings {
		if !strings.HasPrefix(s.Key, "vcs") {
			out = append(out, s.Key+"="+s.Value)
		}
	}
	slices.Sort(out)
	return out
}
