package stack

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// RequirementsFile is the project's pinned Python tools, under the module root.
const RequirementsFile = "infra/requirements.txt"

// PinnedVersion is the version infra/requirements.txt pins for a package
// (its name without extras: "moto" for moto[server]).
func PinnedVersion(pkg string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	f, err := os.Open(filepath.Join(root, RequirementsFile))
	if err != nil {
		return "", fmt.Errorf("stack: pinned version of %s: %w", pkg, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		name, version, ok := strings.Cut(strings.TrimSpace(line), "==")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, "[")
		if strings.EqualFold(strings.TrimSpace(name), pkg) {
			return strings.TrimSpace(version), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("stack: %s pins no version of %s", RequirementsFile, pkg)
}
