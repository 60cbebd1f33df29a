package awsconf

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestLoadFromGetenv(t *testing.T) {
	env := map[string]string{
		"AWS_ENDPOINT_URL":      "http://127.0.0.1:4566",
		"AWS_REGION":            "us-east-1",
		"AWS_ACCESS_KEY_ID":     "test",
		"AWS_SECRET_ACCESS_KEY": "test",
	}
	cfg, err := Load(context.Background(), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if got := Endpoint(cfg); got != env["AWS_ENDPOINT_URL"] {
		t.Errorf("endpoint = %q", got)
	}
	if cfg.Region != "us-east-1" {
		t.Errorf("region = %q", cfg.Region)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "test" {
		t.Errorf("credentials = %+v, %v", creds, err)
	}
	var o s3.Options
	S3Options(cfg)(&o)
	if !o.UsePathStyle {
		t.Error("path-style S3 not switched on with a custom endpoint")
	}
}

func TestLoadWithoutEndpoint(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "")
	env := map[string]string{"AWS_REGION": "cn-north-1"}
	cfg, err := Load(context.Background(), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if Endpoint(cfg) != "" {
		t.Errorf("endpoint = %q, want none", Endpoint(cfg))
	}
	var o s3.Options
	S3Options(cfg)(&o)
	if o.UsePathStyle {
		t.Error("path-style S3 switched on without an endpoint")
	}
}

func TestLoadHonoursProcessEnvironment(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://localhost:4566")
	t.Setenv("AWS_REGION", "us-east-1")
	cfg, err := Load(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if Endpoint(cfg) != "http://localhost:4566" {
		t.Errorf("endpoint = %q", Endpoint(cfg))
	}
}
