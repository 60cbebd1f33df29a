package stack

// CLIEnvironment is the environment for the AWS CLI (or any SDK) against a
// local stack's endpoint. AWS_DEFAULT_REGION as well as AWS_REGION: AWS CLI v1
// (pip's awscli) and boto3 read only the former, CLI v2 and the Go SDK the
// latter.
func CLIEnvironment(endpoint string) []string {
	return []string{
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=nianbao",
		"AWS_SECRET_ACCESS_KEY=nianbao",
	}
}
