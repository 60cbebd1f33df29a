package stack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// lambdaConfiguration is Lambda's FunctionConfiguration, as ListFunctions and
// GetFunction answer it: what `aws lambda list-functions` shows.
type lambdaConfiguration struct {
	FunctionName  string           `json:"FunctionName"`
	FunctionArn   string           `json:"FunctionArn"`
	Runtime       string           `json:"Runtime,omitempty"`
	Handler       string           `json:"Handler,omitempty"`
	Timeout       int              `json:"Timeout"`
	MemorySize    int              `json:"MemorySize,omitempty"`
	Architectures []string         `json:"Architectures,omitempty"`
	PackageType   string           `json:"PackageType"`
	Version       string           `json:"Version"`
	State         string           `json:"State"`
	Environment   *lambdaVariables `json:"Environment,omitempty"`
	Description   string           `json:"Description,omitempty"`
}

type lambdaVariables struct {
	Variables map[string]string `json:"Variables"`
}

// setListing records the template's functions for the Lambda read calls
// (ListFunctions, GetFunction, GetFunctionConfiguration). The HTTP function is
// listed too: it is a function of the stack, though locally it is served on the
// web port rather than invoked through the gateway.
func (g *gateway) setListing(specs []functionSpec) {
	list := make([]lambdaConfiguration, 0, len(specs))
	for _, f := range specs {
		c := lambdaConfiguration{
			FunctionName:  f.name,
			FunctionArn:   FunctionARN(f.name),
			Runtime:       f.runtime,
			Handler:       f.handler,
			Timeout:       int(f.timeout.Seconds()),
			Architectures: f.architectures,
			PackageType:   "Zip",
			Version:       "$LATEST",
			State:         "Active",
			Description:   "nianbao 本地栈：" + f.id,
		}
		if len(c.Architectures) == 0 {
			c.Architectures = []string{"x86_64"} // Lambda's default
		}
		if n, err := strconv.Atoi(f.memory); err == nil {
			c.MemorySize = n
		} else {
			c.MemorySize = 128 // Lambda's default
		}
		if len(f.env) > 0 {
			c.Environment = &lambdaVariables{Variables: f.env}
		}
		list = append(list, c)
	}
	g.mu.Lock()
	g.listing = list
	g.mu.Unlock()
}

// serveLambdaRead answers the Lambda API's read calls on functions, and
// reports whether r was one:
//
//	GET /2015-03-31/functions/                        ListFunctions
//	GET /2015-03-31/functions/{name}                  GetFunction
//	GET /2015-03-31/functions/{name}/configuration    GetFunctionConfiguration
//
// moto's own Lambda knows none of the stack's functions (they run here), so
// without this `aws lambda list-functions` lists nothing.
func (g *gateway) serveLambdaRead(w http.ResponseWriter, r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), invokePrefix)
	if !ok {
		if r.URL.EscapedPath() != strings.TrimSuffix(invokePrefix, "/") {
			return false
		}
		rest = ""
	}
	g.mu.RLock()
	list := g.listing
	g.mu.RUnlock()
	if rest == "" {
		g.listFunctions(w, r, list)
		return true
	}
	enc, sub, _ := strings.Cut(rest, "/")
	if sub != "" && sub != "configuration" {
		return false
	}
	name, err := url.PathUnescape(enc)
	if err != nil {
		return false
	}
	name = functionName(name)
	for _, c := range list {
		if c.FunctionName != name {
			continue
		}
		if sub == "configuration" {
			writeLambdaJSON(w, c)
		} else {
			writeLambdaJSON(w, map[string]any{"Configuration": c, "Code": map[string]string{"RepositoryType": "S3"}})
		}
		return true
	}
	lambdaAPIError(w, http.StatusNotFound, "ResourceNotFoundException",
		fmt.Sprintf("Function not found: arn:aws:lambda:%s:%s:function:%s", Region, AccountID, name))
	return true
}

// listFunctions pages as Lambda does: MaxItems per page (at most 50), the
// next page's Marker in NextMarker.
func (g *gateway) listFunctions(w http.ResponseWriter, r *http.Request, list []lambdaConfiguration) {
	q := r.URL.Query()
	start := 0
	if m := q.Get("Marker"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > len(list) {
			lambdaAPIError(w, http.StatusBadRequest, "InvalidParameterValueException", "invalid Marker")
			return
		}
		start = n
	}
	size := 50
	if s := q.Get("MaxItems"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10000 {
			lambdaAPIError(w, http.StatusBadRequest, "InvalidParameterValueException", "invalid MaxItems")
			return
		}
		size = min(n, 50)
	}
	end := min(start+size, len(list))
	out := struct {
		Functions  []lambdaConfiguration `json:"Functions"`
		NextMarker *string               `json:"NextMarker,omitempty"`
	}{Functions: list[start:end]}
	if end < len(list) {
		next := strconv.Itoa(end)
		out.NextMarker = &next
	}
	writeLambdaJSON(w, out)
}

func writeLambdaJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
