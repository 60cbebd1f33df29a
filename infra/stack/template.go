package stack

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Template is a SAM template as the local stack reads it: resources with
// their properties still holding intrinsic functions (as map[string]any
// {"Ref": …}, {"Fn::GetAtt": …}), Globals already merged into the functions.
type Template struct {
	Path       string // as given to LoadTemplate
	Dir        string // what DefinitionUri and CodeUri are relative to
	Parameters map[string]Parameter
	Conditions map[string]any
	Resources  map[string]*Resource
}

// Parameter is one entry of the template's Parameters section.
type Parameter struct {
	Type    string
	Default *string // nil: the template gives no default
}

// Resource is one entry of the Resources section.
type Resource struct {
	LogicalID  string
	Type       string
	Condition  string
	Properties map[string]any
	Metadata   map[string]any // e.g. SAM's BuildMethod; the local stack does not read it
}

// LoadTemplate reads a SAM/CloudFormation template in YAML (or JSON, which is
// YAML). The short forms !Ref, !GetAtt, !Sub… become their long forms.
func LoadTemplate(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("stack: read template: %w", err)
	}
	t, err := ParseTemplate(data)
	if err != nil {
		return nil, fmt.Errorf("stack: %s: %w", path, err)
	}
	t.Path = path
	t.Dir = filepath.Dir(path)
	return t, nil
}

// ParseTemplate is LoadTemplate for a template already in memory; relative
// paths in it are taken from the working directory.
func ParseTemplate(data []byte) (*Template, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("template is not YAML: %w", err)
	}
	v, err := nodeValue(&root)
	if err != nil {
		return nil, err
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("template is not a mapping")
	}
	t := &Template{
		Dir:        ".",
		Parameters: map[string]Parameter{},
		Conditions: map[string]any{},
		Resources:  map[string]*Resource{},
	}
	if c, ok := doc["Conditions"].(map[string]any); ok {
		t.Conditions = c
	}
	params, _ := doc["Parameters"].(map[string]any)
	for name, raw := range params {
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("parameter %s is not a mapping", name)
		}
		p := Parameter{Type: scalarString(m["Type"])}
		if d, ok := m["Default"]; ok {
			s := scalarString(d)
			p.Default = &s
		}
		t.Parameters[name] = p
	}
	globals, _ := doc["Globals"].(map[string]any)
	resources, ok := doc["Resources"].(map[string]any)
	if !ok {
		return nil, errors.New("template has no Resources")
	}
	for id, raw := range resources {
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("resource %s is not a mapping", id)
		}
		r := &Resource{LogicalID: id, Type: scalarString(m["Type"]), Condition: scalarString(m["Condition"])}
		if r.Type == "" {
			return nil, fmt.Errorf("resource %s has no Type", id)
		}
		props, _ := m["Properties"].(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		if section, ok := samGlobalsSection[r.Type]; ok {
			if g, ok := globals[section].(map[string]any); ok {
				props = mergeGlobals(g, props).(map[string]any)
			}
		}
		r.Properties = props
		r.Metadata, _ = m["Metadata"].(map[string]any)
		t.Resources[id] = r
	}
	return t, nil
}

// samGlobalsSection names the Globals section that applies to a SAM type.
var samGlobalsSection = map[string]string{
	"AWS::Serverless::Function":     "Function",
	"AWS::Serverless::HttpApi":      "HttpApi",
	"AWS::Serverless::StateMachine": "StateMachine",
}

// mergeGlobals applies SAM's rules: the resource's scalars win, maps merge,
// lists are the global entries followed by the resource's.
func mergeGlobals(global, local any) any {
	switch l := local.(type) {
	case map[string]any:
		g, ok := global.(map[string]any)
		if !ok || isIntrinsic(l) {
			return l
		}
		out := maps.Clone(g)
		for k, v := range l {
			if gv, ok := out[k]; ok {
				out[k] = mergeGlobals(gv, v)
			} else {
				out[k] = v
			}
		}
		return out
	case []any:
		if g, ok := global.([]any); ok {
			return append(slices.Clone(g), l...)
		}
		return l
	default:
		return local
	}
}

func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

// SortedIDs is the logical ids in a stable order.
func (t *Template) SortedIDs() []string {
	return slices.Sorted(maps.Keys(t.Resources))
}

// nodeValue turns a YAML node into plain Go values, CloudFormation's short
// tags into the long forms ("!GetAtt A.Arn" → {"Fn::GetAtt": ["A", "Arn"]}).
func nodeValue(n *yaml.Node) (any, error) {
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, errors.New("empty template")
		}
		return nodeValue(n.Content[0])
	}
	if n.Kind == yaml.AliasNode {
		return nodeValue(n.Alias)
	}
	v, err := plainValue(n)
	if err != nil {
		return nil, err
	}
	tag := n.Tag
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") {
		return v, nil
	}
	name := strings.TrimPrefix(tag, "!")
	switch name {
	case "Ref", "Condition":
		return map[string]any{name: v}, nil
	case "GetAtt":
		if s, ok := v.(string); ok {
			id, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("line %d: !GetAtt %q has no attribute", n.Line, s)
			}
			v = []any{id, attr}
		}
		return map[string]any{"Fn::GetAtt": v}, nil
	default:
		return map[string]any{"Fn::" + name: v}, nil
	}
}

func plainValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			v, err := nodeValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool", "!!int", "!!float":
			// CloudFormation keeps scalars as written; "1.0" stays "1.0"
			// in an environment variable.
			var v any
			if err := n.Decode(&v); err != nil {
				return nil, err
			}
			return scalar{text: n.Value, value: v}, nil
		default:
			return n.Value, nil
		}
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// scalar is a YAML number or boolean, kept with its source text.
type scalar struct {
	text  string
	value any
}

func (s scalar) String() string { return s.text }

// MarshalJSON writes the value: a Table's ProvisionedThroughput takes numbers.
func (s scalar) MarshalJSON() ([]byte, error) {
	switch v := s.value.(type) {
	case bool:
		return []byte(strconv.FormatBool(v)), nil
	case int:
		return []byte(strconv.Itoa(v)), nil
	case float64:
		return []byte(strconv.FormatFloat(v, 'g', -1, 64)), nil
	}
	return []byte(strconv.Quote(s.text)), nil
}

func scalarString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case scalar:
		return v.text
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
