// Package local runs the project's own functions in the local stack: the factories
// that build each function of template.yaml in-process (the same wiring the Lambda
// mains use), and the demo data `make run` starts with.
package local

import (
	"context"
	_ "embed"

	"github.com/aws/aws-lambda-go/lambda"

	"nianbao/infra/stack"
	"nianbao/shared/admin"
	"nianbao/shared/app"
	"nianbao/shared/app/webapp"
	"nianbao/shared/store"
)

// SiteBucket is the template's bucket of published reports, which the local stack
// serves at /_local/site/ as CloudFront does on AWS.
const SiteBucket = "SiteBucket"

// Options are stack options that run every function of the template with its real
// handler.
func Options() stack.Options {
	o := stack.Options{
		Lambdas:    map[string]stack.LambdaFactory{},
		HTTP:       map[string]stack.HTTPFactory{app.WebFunction: webapp.FromEnv},
		SiteBucket: SiteBucket,
	}
	o.Lambdas[app.SignInFunction] = app.SignInHandler
	for _, id := range app.StepFunctions() {
		o.Lambdas[id] = func(ctx context.Context, getenv func(string) string) (lambda.Handler, error) {
			return app.StepHandler(ctx, id, getenv)
		}
	}
	return o
}

//go:embed demo-agencies.yaml
var demoAgencies []byte

// DemoAgencies is the demo agency file (also the example of the import format).
func DemoAgencies() []byte { return demoAgencies }

// SeedDemo imports the demo units and their users into a running stack, and gives
// the units' reports of the year the supervisor's console opens on their states
// (SeedDemoReports).
func SeedDemo(ctx context.Context, st *stack.Stack) error {
	f, err := admin.Parse(demoAgencies)
	if err != nil {
		return err
	}
	s, err := Store(ctx, st)
	if err != nil {
		return err
	}
	if _, err = admin.Import(ctx, s, f); err != nil {
		return err
	}
	return SeedDemoReports(ctx, st, DemoYear(s.Now()))
}

// Store is the store of a running stack, as its functions see it.
func Store(ctx context.Context, st *stack.Stack) (*store.Store, error) {
	a, err := app.New(ctx, st.Getenv(app.WebFunction))
	if err != nil {
		return nil, err
	}
	return a.Store, nil
}
