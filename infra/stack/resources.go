package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// kind is what the local stack does with a resource type.
type kind int

const (
	kindNone          kind = iota // exists on AWS only: nothing to create locally
	kindFunction                  // runs in-process behind the gateway
	kindTable                     // DynamoDB table in moto
	kindBucket                    // S3 bucket in moto
	kindEmailIdentity             // SES v2 identity in moto
	kindStateMachine              // Step Functions state machine in moto
	kindSecret                    // Secrets Manager secret in moto (Ref: its name, which GetSecretValue takes like an ARN)
)

// resourceTypes is the one list of the resource types the local stack knows.
// A type that is not here stops the stack, naming the resource: the template
// and the local stack cannot drift apart silently. Types with kindNone are
// known to need nothing locally; each says why.
var resourceTypes = map[string]struct {
	kind kind
	why  string // for kindNone: why nothing is created
}{
	"AWS::Serverless::Function":        {kind: kindFunction},
	"AWS::DynamoDB::Table":             {kind: kindTable},
	"AWS::S3::Bucket":                  {kind: kindBucket},
	"AWS::SES::EmailIdentity":          {kind: kindEmailIdentity},
	"AWS::Serverless::StateMachine":    {kind: kindStateMachine},
	"AWS::StepFunctions::StateMachine": {kind: kindStateMachine},
	"AWS::SecretsManager::Secret":      {kind: kindSecret},

	"AWS::Serverless::HttpApi":             {why: "the function with the HttpApi event is served on the web port"},
	"AWS::Logs::LogGroup":                  {why: "handlers log to the terminal"},
	"AWS::S3::BucketPolicy":                {why: "moto does not enforce bucket policies"},
	"AWS::CloudWatch::Alarm":               {why: "no metrics locally"},
	"AWS::SNS::Topic":                      {why: "only alarms publish to it"},
	"AWS::SNS::Subscription":               {why: "only alarms publish to it"},
	"AWS::IAM::Role":                       {why: "not enforced for the stack (infra/smoke runs each function under moto's IAM)"},
	"AWS::IAM::Policy":                     {why: "not enforced for the stack (infra/smoke runs each function under moto's IAM)"},
	"AWS::IAM::ManagedPolicy":              {why: "not enforced for the stack (infra/smoke runs each function under moto's IAM)"},
	"AWS::Lambda::Permission":              {why: "not enforced for the stack (infra/smoke runs each function under moto's IAM)"},
	"AWS::CloudFront::Distribution":        {why: "the site is served from the web port"},
	"AWS::CloudFront::OriginAccessControl": {why: "the site is served from the web port"},
	"AWS::CloudFront::Function":            {why: "the site is served from the web port, index.html for folders"},

	// The pages carry their own CSP in a <meta>; the headers are infra/deploy's to check.
	"AWS::CloudFront::ResponseHeadersPolicy": {why: "the site is served from the web port"},
}

// eventTypes are the SAM event sources the local stack knows on a function.
var eventTypes = map[string]string{
	"HttpApi":    "served on the web port",
	"Schedule":   "not fired locally: invoke the function by hand",
	"ScheduleV2": "not fired locally: invoke the function by hand",
}

// model is the template evaluated for one local stack: physical names,
// ARNs, resolved properties.
type model struct {
	t        *Template
	r        *resolver
	webURL   string
	endpoint string
	skipped  map[string]bool // resources whose Condition is false
	names    map[string]string
	naming   map[string]bool // names being worked out, for cycles

	secretsMu sync.Mutex
	generated map[string]string // generated secret values by logical id, kept across resets
}

func newModel(t *Template, params map[string]string, webURL, endpoint string) (*model, error) {
	r, err := newResolver(t, params)
	if err != nil {
		return nil, err
	}
	m := &model{t: t, r: r, webURL: webURL, endpoint: endpoint,
		skipped: map[string]bool{}, names: map[string]string{}, naming: map[string]bool{}}
	r.ref = m.ref
	r.attr = m.attr
	for _, id := range t.SortedIDs() {
		res := t.Resources[id]
		if _, ok := resourceTypes[res.Type]; !ok {
			return nil, fmt.Errorf("resource %s has type %s, which the local stack does not know: add it to resourceTypes in infra/stack/resources.go (created locally, or listed as needing nothing locally)", id, res.Type)
		}
		if res.Condition != "" {
			on, err := r.condition(res.Condition, id+".Condition")
			if err != nil {
				return nil, err
			}
			m.skipped[id] = !on
		}
	}
	return m, nil
}

// ids is the logical ids of the resources of a kind that exist locally.
func (m *model) ids(k kind) []string {
	var out []string
	for _, id := range m.t.SortedIDs() {
		if resourceTypes[m.t.Resources[id].Type].kind == k && !m.skipped[id] {
			out = append(out, id)
		}
	}
	return out
}

func (m *model) prop(id, name string) any { return m.t.Resources[id].Properties[name] }

// name is the physical name: the one the template gives, else the logical
// id (lower-cased and prefixed for buckets, whose names are lower case and
// global).
func (m *model) name(id string) (string, error) {
	if n, ok := m.names[id]; ok {
		return n, nil
	}
	if m.naming[id] {
		return "", fmt.Errorf("the name of %s depends on itself", id)
	}
	m.naming[id] = true
	defer delete(m.naming, id)
	res := m.t.Resources[id]
	var prop, def string
	switch resourceTypes[res.Type].kind {
	case kindFunction:
		prop, def = "FunctionName", id
	case kindTable:
		prop, def = "TableName", id
	case kindBucket:
		prop, def = "BucketName", strings.ToLower(StackName+"-"+id)
	case kindEmailIdentity:
		prop = "EmailIdentity"
	case kindSecret:
		prop, def = "Name", StackName+"-"+id
	case kindStateMachine:
		prop, def = "Name", id
		if res.Type == "AWS::StepFunctions::StateMachine" {
			prop = "StateMachineName"
		}
	default:
		def = StackName + "-" + id
	}
	n := def
	if v, ok := res.Properties[prop]; ok && prop != "" {
		s, err := m.r.resolveString(v, id+"."+prop)
		if err != nil {
			return "", err
		}
		n = s
	}
	if n == "" {
		return "", fmt.Errorf("resource %s has no %s", id, prop)
	}
	m.names[id] = n
	return n, nil
}

func (m *model) ref(id string) (any, error) {
	if m.skipped[id] {
		return nil, fmt.Errorf("resource %s is switched off by its Condition", id)
	}
	if id == "ServerlessHttpApi" {
		return "local", nil
	}
	if _, ok := m.t.Resources[id]; !ok { // an implicit SAM role
		return id, nil
	}
	n, err := m.name(id)
	if err != nil {
		return nil, err
	}
	if resourceTypes[m.t.Resources[id].Type].kind == kindStateMachine {
		return m.stateMachineARN(n), nil
	}
	return n, nil
}

func (m *model) stateMachineARN(name string) string {
	return "arn:aws:states:" + Region + ":" + AccountID + ":stateMachine:" + name
}

// FunctionARN is the ARN of a function of the local stack.
func FunctionARN(name string) string {
	return "arn:aws:lambda:" + Region + ":" + AccountID + ":function:" + name
}

func (m *model) attr(id, attr string) (any, error) {
	if m.skipped[id] {
		return nil, fmt.Errorf("resource %s is switched off by its Condition", id)
	}
	res, ok := m.t.Resources[id]
	if !ok {
		switch {
		case id == "ServerlessHttpApi" && attr == "ApiEndpoint":
			return m.webURL, nil
		case strings.HasSuffix(id, "Role") && attr == "Arn":
			return "arn:aws:iam::" + AccountID + ":role/" + id, nil
		}
		return nil, errors.New("the local stack does not know this attribute")
	}
	n, err := m.name(id)
	if err != nil {
		return nil, err
	}
	k := resourceTypes[res.Type].kind
	switch {
	case k == kindFunction && attr == "Arn":
		return FunctionARN(n), nil
	case k == kindTable && attr == "Arn":
		return "arn:aws:dynamodb:" + Region + ":" + AccountID + ":table/" + n, nil
	case k == kindTable && attr == "StreamArn":
		return "arn:aws:dynamodb:" + Region + ":" + AccountID + ":table/" + n + "/stream/local", nil
	case k == kindBucket && attr == "Arn":
		return "arn:aws:s3:::" + n, nil
	case k == kindBucket && (attr == "DomainName" || attr == "RegionalDomainName"):
		return strings.TrimPrefix(m.endpoint, "http://") + "/" + n, nil
	case k == kindBucket && attr == "WebsiteURL":
		return m.endpoint + "/" + n, nil
	case k == kindStateMachine && attr == "Name":
		return n, nil
	case k == kindStateMachine && attr == "Arn":
		return m.stateMachineARN(n), nil
	case k == kindNone && attr == "Arn":
		svc := strings.ToLower(strings.Split(res.Type, "::")[1])
		return "arn:aws:" + svc + ":" + Region + ":" + AccountID + ":" + n, nil
	case k == kindNone && attr == "ApiEndpoint":
		return m.webURL, nil
	case res.Type == "AWS::CloudFront::Distribution" && attr == "DomainName":
		// What CloudFront serves is at /_local/site/ on the web port.
		return strings.TrimPrefix(m.webURL, "http://") + strings.TrimSuffix(siteRoot, "/"), nil
	}
	return nil, errors.New("the local stack does not know this attribute (add it to model.attr in infra/stack/resources.go)")
}

// functionSpec is a function of the template as the gateway runs it.
type functionSpec struct {
	id      string
	name    string
	http    bool // has an HttpApi event: served on the web port
	timeout time.Duration
	env     map[string]string // Environment.Variables, resolved

	// What Lambda's ListFunctions reports (the template's, Globals merged).
	runtime, handler, memory string
	architectures            []string
}

func (m *model) functions() ([]functionSpec, error) {
	var out []functionSpec
	for _, id := range m.ids(kindFunction) {
		f := functionSpec{id: id, timeout: 3 * time.Second, env: map[string]string{},
			runtime: scalarString(m.prop(id, "Runtime")), handler: scalarString(m.prop(id, "Handler")),
			memory: scalarString(m.prop(id, "MemorySize"))}
		if archs, ok := m.prop(id, "Architectures").([]any); ok {
			for _, a := range archs {
				f.architectures = append(f.architectures, scalarString(a))
			}
		}
		var err error
		if f.name, err = m.name(id); err != nil {
			return nil, err
		}
		if v := m.prop(id, "Timeout"); v != nil {
			s, err := m.r.resolveString(v, id+".Timeout")
			if err != nil {
				return nil, err
			}
			sec, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("%s.Timeout: %w", id, err)
			}
			f.timeout = time.Duration(sec * float64(time.Second))
		}
		events, _ := m.prop(id, "Events").(map[string]any)
		for _, ev := range slices.Sorted(maps.Keys(events)) {
			e, _ := events[ev].(map[string]any)
			typ := scalarString(e["Type"])
			if _, ok := eventTypes[typ]; !ok {
				return nil, fmt.Errorf("function %s: event %s has type %q, which the local stack does not know: add it to eventTypes in infra/stack/resources.go", id, ev, typ)
			}
			if typ == "HttpApi" {
				f.http = true
			}
		}
		if envProp, ok := m.prop(id, "Environment").(map[string]any); ok {
			vars, err := m.r.resolve(envProp["Variables"], id+".Environment.Variables")
			if err != nil {
				return nil, err
			}
			vm, _ := vars.(map[string]any)
			for k, v := range vm {
				f.env[k] = scalarString(v)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// definition is a state machine's ASL with its DefinitionSubstitutions
// filled in.
func (m *model) definition(id string) (string, error) {
	res := m.t.Resources[id]
	p := res.Properties
	var def string
	switch {
	case p["DefinitionUri"] != nil:
		uri, ok := p["DefinitionUri"].(string)
		if !ok {
			return "", fmt.Errorf("state machine %s: DefinitionUri must be a file path locally", id)
		}
		data, err := os.ReadFile(filepath.Join(m.t.Dir, uri))
		if err != nil {
			return "", fmt.Errorf("state machine %s: %w", id, err)
		}
		def = string(data)
	case p["DefinitionString"] != nil:
		s, err := m.r.resolveString(p["DefinitionString"], id+".DefinitionString")
		if err != nil {
			return "", err
		}
		def = s
	case p["Definition"] != nil:
		v, err := m.r.resolve(p["Definition"], id+".Definition")
		if err != nil {
			return "", err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("state machine %s: %w", id, err)
		}
		def = string(b)
	default:
		return "", fmt.Errorf("state machine %s has no definition", id)
	}
	subs := map[string]string{}
	if raw, ok := p["DefinitionSubstitutions"]; ok {
		v, err := m.r.resolve(raw, id+".DefinitionSubstitutions")
		if err != nil {
			return "", err
		}
		vm, ok := v.(map[string]any)
		if !ok {
			return "", fmt.Errorf("state machine %s: DefinitionSubstitutions is not a mapping", id)
		}
		for k, x := range vm {
			subs[k] = scalarString(x)
		}
	}
	var missing []string
	def = substitution.ReplaceAllStringFunc(def, func(s string) string {
		key := s[2 : len(s)-1]
		if v, ok := subs[key]; ok {
			return v
		}
		missing = append(missing, key)
		return s
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("state machine %s: the definition uses ${%s}, which DefinitionSubstitutions does not give", id, strings.Join(missing, "}, ${"))
	}
	return def, nil
}

var substitution = regexp.MustCompile(`\$\{[A-Za-z0-9_.:-]+\}`)
