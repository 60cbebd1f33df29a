// Package awsconf turns a function's environment into an aws.Config.
//
// It is the one place that knows how the code finds AWS: on Lambda the
// environment is the process's, in the local stack each in-process function
// gets its own environment (a getenv function) naming the local endpoint.
// Both go through the same SDK clients, only the endpoint differs.
package awsconf

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Load builds the SDK configuration from getenv (nil means os.Getenv).
//
// The SDK reads AWS_ENDPOINT_URL, AWS_REGION and the AWS_ACCESS_KEY_ID family
// from the process environment by itself; Load also takes them from getenv,
// where they win, because in the local stack several functions with different
// environments share one process.
func Load(ctx context.Context, getenv func(string) string) (aws.Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var opts []func(*config.LoadOptions) error
	if v := getenv("AWS_ENDPOINT_URL"); v != "" {
		opts = append(opts, config.WithBaseEndpoint(v))
	}
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("awsconf: load AWS configuration: %w", err)
	}
	return cfg, nil
}

// Endpoint is the custom endpoint cfg talks to, or "" for AWS itself.
func Endpoint(cfg aws.Config) string {
	if cfg.BaseEndpoint == nil {
		return ""
	}
	return *cfg.BaseEndpoint
}

// S3Options is the option to pass to s3.NewFromConfig: with a custom endpoint
// (moto, LocalStack) buckets are addressed by path, since virtual-hosted names
// such as bucket.127.0.0.1 do not resolve.
//
//	client := s3.NewFromConfig(cfg, awsconf.S3Options(cfg))
func S3Options(cfg aws.Config) func(*s3.Options) {
	custom := Endpoint(cfg) != ""
	return func(o *s3.Options) {
		if custom {
			o.UsePathStyle = true
		}
		// moto (and many S3-compatible stores) send no checksums; the SDK would log a
		// debug line for every object read.
		o.DisableLogOutputChecksumValidationSkipped = true
	}
}
