package stack

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Local account facts (docs/ARCHITECTURE.md).
const (
	Region    = "us-east-1"
	AccountID = "123456789012"
	StackName = "nianbao"
)

// noValue is AWS::NoValue: the key or list entry holding it disappears.
type noValueT struct{}

var noValue = noValueT{}

// resolver evaluates the intrinsic functions the template uses against the
// local resources. It knows Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select,
// Fn::If and the condition functions; any other function is an error that
// names it, so a new one is added here rather than silently passed through.
type resolver struct {
	t      *Template
	params map[string]any // resolved parameter values: string or []string
	attr   func(id, attr string) (any, error)
	ref    func(id string) (any, error)
	conds  map[string]bool
	active map[string]bool // conditions being evaluated, for cycles
}

func newResolver(t *Template, overrides map[string]string) (*resolver, error) {
	r := &resolver{t: t, params: map[string]any{}, conds: map[string]bool{}, active: map[string]bool{}}
	for _, name := range slices.Sorted(maps.Keys(overrides)) {
		if _, ok := t.Parameters[name]; !ok {
			return nil, fmt.Errorf("parameter override %s: the template has no such parameter", name)
		}
	}
	for name, p := range t.Parameters {
		var v string
		if o, ok := overrides[name]; ok {
			v = o
		} else if p.Default != nil {
			v = *p.Default
		} else {
			return nil, fmt.Errorf("parameter %s has no Default: give it a value for the local stack", name)
		}
		if p.Type == "CommaDelimitedList" || strings.HasPrefix(p.Type, "List<") {
			parts := strings.Split(v, ",")
			for i := range parts {
				parts[i] = strings.TrimSpace(parts[i])
			}
			r.params[name] = parts
		} else {
			r.params[name] = v
		}
	}
	return r, nil
}

var pseudo = map[string]string{
	"AWS::Region":    Region,
	"AWS::AccountId": AccountID,
	"AWS::StackName": StackName,
	"AWS::StackId":   "arn:aws:cloudformation:" + Region + ":" + AccountID + ":stack/" + StackName + "/local",
	"AWS::Partition": "aws",
	"AWS::URLSuffix": "amazonaws.com",
}

// resolve evaluates every intrinsic in v; where says where v is, for errors.
func (r *resolver) resolve(v any, where string) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if isIntrinsic(v) {
			for fn, arg := range v {
				out, err := r.call(fn, arg, where)
				if err != nil {
					return nil, err
				}
				return out, nil
			}
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			x, err := r.resolve(e, where+"."+k)
			if err != nil {
				return nil, err
			}
			if x != noValue {
				out[k] = x
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(v))
		for i, e := range v {
			x, err := r.resolve(e, fmt.Sprintf("%s[%d]", where, i))
			if err != nil {
				return nil, err
			}
			if x != noValue {
				out = append(out, x)
			}
		}
		return out, nil
	default:
		return v, nil
	}
}

// resolveString resolves v and requires a string (a YAML number counts).
func (r *resolver) resolveString(v any, where string) (string, error) {
	x, err := r.resolve(v, where)
	if err != nil {
		return "", err
	}
	switch x := x.(type) {
	case string:
		return x, nil
	case scalar:
		return x.text, nil
	}
	return "", fmt.Errorf("%s: want a string, have %T", where, x)
}

func (r *resolver) call(fn string, arg any, where string) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("%s: Ref takes a name", where)
		}
		return r.refValue(name, where)
	case "Fn::GetAtt":
		var parts []string
		switch a := arg.(type) {
		case string:
			id, at, _ := strings.Cut(a, ".")
			parts = []string{id, at}
		case []any:
			for i, p := range a {
				s, err := r.resolveString(p, fmt.Sprintf("%s.Fn::GetAtt[%d]", where, i))
				if err != nil {
					return nil, err
				}
				parts = append(parts, s)
			}
		}
		if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
			return nil, fmt.Errorf("%s: Fn::GetAtt takes [LogicalId, Attribute]", where)
		}
		if _, ok := r.t.Resources[parts[0]]; !ok && !r.implicit(parts[0]) {
			return nil, fmt.Errorf("%s: Fn::GetAtt %s.%s: no resource %s in the template", where, parts[0], parts[1], parts[0])
		}
		v, err := r.attr(parts[0], parts[1])
		if err != nil {
			return nil, fmt.Errorf("%s: Fn::GetAtt %s.%s: %w", where, parts[0], parts[1], err)
		}
		return v, nil
	case "Fn::Sub":
		return r.sub(arg, where)
	case "Fn::Join":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("%s: Fn::Join takes [delimiter, [values]]", where)
		}
		sep, err := r.resolveString(a[0], where+".Fn::Join")
		if err != nil {
			return nil, err
		}
		list, err := r.resolve(a[1], where+".Fn::Join")
		if err != nil {
			return nil, err
		}
		items, ok := list.([]any)
		if !ok {
			if ss, ok2 := list.([]string); ok2 {
				return strings.Join(ss, sep), nil
			}
			return nil, fmt.Errorf("%s: Fn::Join needs a list", where)
		}
		strs := make([]string, len(items))
		for i, it := range items {
			strs[i] = scalarString(it)
		}
		return strings.Join(strs, sep), nil
	case "Fn::Select":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("%s: Fn::Select takes [index, list]", where)
		}
		idx, err := r.resolveString(a[0], where+".Fn::Select")
		if err != nil {
			return nil, err
		}
		list, err := r.resolve(a[1], where+".Fn::Select")
		if err != nil {
			return nil, err
		}
		var n int
		if _, err := fmt.Sscanf(idx, "%d", &n); err != nil {
			return nil, fmt.Errorf("%s: Fn::Select index %q", where, idx)
		}
		switch l := list.(type) {
		case []any:
			if n >= 0 && n < len(l) {
				return l[n], nil
			}
		case []string:
			if n >= 0 && n < len(l) {
				return l[n], nil
			}
		}
		return nil, fmt.Errorf("%s: Fn::Select index %d out of range", where, n)
	case "Fn::If":
		a, ok := arg.([]any)
		if !ok || len(a) != 3 {
			return nil, fmt.Errorf("%s: Fn::If takes [condition, then, else]", where)
		}
		name, _ := a[0].(string)
		c, err := r.condition(name, where)
		if err != nil {
			return nil, err
		}
		if c {
			return r.resolve(a[1], where)
		}
		return r.resolve(a[2], where)
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition":
		return r.evalCondition(map[string]any{fn: arg}, where)
	}
	return nil, fmt.Errorf("%s: the local stack does not know the intrinsic function %s (add it to infra/stack/resolve.go)", where, fn)
}

func (r *resolver) refValue(name, where string) (any, error) {
	if name == "AWS::NoValue" {
		return noValue, nil
	}
	if v, ok := pseudo[name]; ok {
		return v, nil
	}
	if v, ok := r.params[name]; ok {
		return v, nil
	}
	if _, ok := r.t.Resources[name]; ok || r.implicit(name) {
		v, err := r.ref(name)
		if err != nil {
			return nil, fmt.Errorf("%s: Ref %s: %w", where, name, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("%s: Ref %s: no parameter or resource of that name", where, name)
}

// implicit reports whether id is a resource SAM generates: the role of a
// function or state machine, the default HTTP API.
func (r *resolver) implicit(id string) bool {
	if id == "ServerlessHttpApi" {
		return true
	}
	if base, ok := strings.CutSuffix(id, "Role"); ok {
		if res, ok := r.t.Resources[base]; ok {
			return res.Type == "AWS::Serverless::Function" || res.Type == "AWS::Serverless::StateMachine"
		}
	}
	return false
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (r *resolver) sub(arg any, where string) (any, error) {
	var text string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		text = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("%s: Fn::Sub takes a string or [string, {variables}]", where)
		}
		s, ok := a[0].(string)
		m, ok2 := a[1].(map[string]any)
		if !ok || !ok2 {
			return nil, fmt.Errorf("%s: Fn::Sub takes a string or [string, {variables}]", where)
		}
		text = s
		for k, v := range m {
			x, err := r.resolve(v, where+".Fn::Sub."+k)
			if err != nil {
				return nil, err
			}
			vars[k] = x
		}
	default:
		return nil, fmt.Errorf("%s: Fn::Sub takes a string or [string, {variables}]", where)
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(text, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") { // ${!Literal} stays ${Literal}
			return "${" + name[1:] + "}"
		}
		var v any
		var err error
		if x, ok := vars[name]; ok {
			v = x
		} else if id, at, dotted := strings.Cut(name, "."); dotted {
			v, err = r.call("Fn::GetAtt", []any{id, at}, where)
		} else {
			v, err = r.refValue(name, where)
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return m
		}
		return scalarString(v)
	})
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

func (r *resolver) condition(name, where string) (bool, error) {
	if v, ok := r.conds[name]; ok {
		return v, nil
	}
	def, ok := r.t.Conditions[name]
	if !ok {
		return false, fmt.Errorf("%s: no condition %q in the template", where, name)
	}
	if r.active[name] {
		return false, fmt.Errorf("%s: condition %s refers to itself", where, name)
	}
	r.active[name] = true
	defer delete(r.active, name)
	v, err := r.evalCondition(def, "Conditions."+name)
	if err != nil {
		return false, err
	}
	r.conds[name] = v
	return v, nil
}

func (r *resolver) evalCondition(def any, where string) (bool, error) {
	m, ok := def.(map[string]any)
	if !ok || len(m) != 1 {
		return false, fmt.Errorf("%s: not a condition", where)
	}
	for fn, arg := range m {
		list, _ := arg.([]any)
		switch fn {
		case "Condition":
			name, _ := arg.(string)
			return r.condition(name, where)
		case "Fn::Equals":
			if len(list) != 2 {
				return false, fmt.Errorf("%s: Fn::Equals takes two values", where)
			}
			a, err := r.resolveString(list[0], where)
			if err != nil {
				return false, err
			}
			b, err := r.resolveString(list[1], where)
			if err != nil {
				return false, err
			}
			return a == b, nil
		case "Fn::Not":
			if len(list) != 1 {
				return false, fmt.Errorf("%s: Fn::Not takes one condition", where)
			}
			v, err := r.evalCondition(list[0], where)
			return !v, err
		case "Fn::And", "Fn::Or":
			and := fn == "Fn::And"
			for _, c := range list {
				v, err := r.evalCondition(c, where)
				if err != nil {
					return false, err
				}
				if v != and {
					return v, nil
				}
			}
			return and, nil
		}
		return false, fmt.Errorf("%s: the local stack does not know the condition function %s", where, fn)
	}
	return false, errors.New("unreachable")
}
