package deploy

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// LambdaRetryErrors are the errors every Task must retry: Lambda's own transient
// failures, which AWS asks callers to retry (the function never ran).
var LambdaRetryErrors = []string{"Lambda.ServiceException", "Lambda.TooManyRequestsException"}

var aslSubstitution = regexp.MustCompile(`\$\{([^}]*)\}`)

// CheckASL checks a state machine definition (name: its file, for messages) against the
// substitutions its resource defines:
//   - every ${…} is a defined substitution, and every substitution is used;
//   - StartAt, every Next, Default, Choices[].Next and Catch[].Next is a state of the
//     same States (Parallel branches and Map processors are checked as their own);
//   - every state but Choice, Succeed and Fail has Next or End, and every state is
//     reachable from StartAt;
//   - every Task retries LambdaRetryErrors;
//   - every .waitForTaskToken Task has TimeoutSeconds(Path) or HeartbeatSeconds(Path),
//     or it could wait for a year.
func CheckASL(asl []byte, name string, substitutions []string) error {
	var p Problems
	used := map[string]bool{}
	for _, m := range aslSubstitution.FindAllStringSubmatch(string(asl), -1) {
		used[m[1]] = true
	}
	for _, s := range slices.Sorted(maps.Keys(used)) {
		if !slices.Contains(substitutions, s) {
			p.add("%s uses ${%s}, which DefinitionSubstitutions does not define", name, s)
		}
	}
	for _, s := range substitutions {
		if !used[s] {
			p.add("DefinitionSubstitutions defines %s, which %s does not use", s, name)
		}
	}
	var def map[string]any
	if err := json.Unmarshal(asl, &def); err != nil {
		p.add("%s is not JSON: %v", name, err)
		return p.Err()
	}
	checkStates(&p, "", def)
	return p.Err()
}

// checkStates checks one States object; scope names it in messages ("" at the top,
// `in branch 1 of "Fan out"` inside).
func checkStates(p *Problems, scope string, machine map[string]any) {
	in := ""
	if scope != "" {
		in = " " + scope
	}
	states, _ := machine["States"].(map[string]any)
	if len(states) == 0 {
		p.add("no States%s", in)
		return
	}
	start, _ := machine["StartAt"].(string)
	if _, ok := states[start]; !ok {
		p.add("StartAt %q%s is not a state", start, in)
	}
	edges := map[string][]string{}
	for _, name := range slices.Sorted(maps.Keys(states)) {
		st, _ := states[name].(map[string]any)
		typ, _ := st["Type"].(string)
		target := func(field string, v any) {
			s, ok := v.(string)
			if !ok {
				p.add("state %q%s: %s is not a state name", name, in, field)
				return
			}
			edges[name] = append(edges[name], s)
			if _, ok := states[s]; !ok {
				p.add("state %q%s: %s %q is not a state", name, in, field, s)
			}
		}
		if v, ok := st["Next"]; ok {
			target("Next", v)
		}
		if v, ok := st["Default"]; ok {
			target("Default", v)
		}
		for i, c := range list(st["Choices"]) {
			cm, _ := c.(map[string]any)
			target(fmt.Sprintf("Choices[%d].Next", i), cm["Next"])
		}
		for i, c := range list(st["Catch"]) {
			cm, _ := c.(map[string]any)
			target(fmt.Sprintf("Catch[%d].Next", i), cm["Next"])
		}
		end, _ := st["End"].(bool)
		_, hasNext := st["Next"]
		switch typ {
		case "Choice", "Succeed", "Fail":
		default:
			if !hasNext && !end {
				p.add("state %q%s has neither Next nor End", name, in)
			}
		}
		switch typ {
		case "Task":
			checkTask(p, name, in, st)
		case "Parallel":
			for i, b := range list(st["Branches"]) {
				bm, _ := b.(map[string]any)
				checkStates(p, fmt.Sprintf("in branch %d of %q%s", i, name, in), bm)
			}
		case "Map":
			proc, ok := st["ItemProcessor"].(map[string]any)
			if !ok {
				proc, _ = st["Iterator"].(map[string]any)
			}
			checkStates(p, fmt.Sprintf("in the processor of %q%s", name, in), proc)
		}
	}
	// Reachability from StartAt.
	seen := map[string]bool{}
	queue := []string{start}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if seen[s] {
			continue
		}
		seen[s] = true
		queue = append(queue, edges[s]...)
	}
	for _, name := range slices.Sorted(maps.Keys(states)) {
		if !seen[name] {
			p.add("state %q%s cannot be reached from StartAt %q", name, in, start)
		}
	}
}

func checkTask(p *Problems, name, in string, st map[string]any) {
	retried := map[string]bool{}
	for _, r := range list(st["Retry"]) {
		rm, _ := r.(map[string]any)
		for _, e := range list(rm["ErrorEquals"]) {
			if s, ok := e.(string); ok {
				retried[s] = true
			}
		}
	}
	var missing []string
	for _, e := range LambdaRetryErrors {
		if !retried[e] && !retried["States.ALL"] {
			missing = append(missing, e)
		}
	}
	if len(missing) > 0 {
		p.add("Task state %q%s has no Retry for %s", name, in, strings.Join(missing, " and "))
	}
	if res, _ := st["Resource"].(string); strings.HasSuffix(res, ".waitForTaskToken") {
		bounded := false
		for _, f := range []string{"TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath"} {
			if _, ok := st[f]; ok {
				bounded = true
			}
		}
		if !bounded {
			p.add("Task state %q%s waits for a task token with no TimeoutSeconds(Path) or HeartbeatSeconds(Path): it could wait for a year", name, in)
		}
	}
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}
