package stack

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"nianbao/shared/awsconf"
)

// Properties the local stack reads, or knows to have no local effect, per
// kind. Any other property stops the bootstrap, naming it, for the same reason
// as unknown types. Table properties go to CreateTable, whose input has the
// same shape, so its own fields need no list.
var (
	tableLocalOnly = []string{ // CloudFormation's own shape, or no local effect
		"TimeToLiveSpecification", "StreamSpecification", "SSESpecification",
		"PointInTimeRecoverySpecification", "ContributorInsightsSpecification",
		"KinesisStreamSpecification", "ResourcePolicy", "ImportSourceSpecification",
	}
	bucketProps = []string{"BucketName", "VersioningConfiguration", "CorsConfiguration",
		"PublicAccessBlockConfiguration", "OwnershipControls", "BucketEncryption",
		"LifecycleConfiguration", "WebsiteConfiguration", "Tags", "NotificationConfiguration",
		"LoggingConfiguration"}
	secretProps   = []string{"Name", "Description", "GenerateSecretString", "SecretString", "KmsKeyId", "Tags"}
	identityProps = []string{"EmailIdentity", "DkimAttributes", "DkimSigningAttributes",
		"ConfigurationSetAttributes", "FeedbackAttributes", "MailFromAttributes"}
)

// clients are the SDK clients the bootstrap and the harness use.
type clients struct {
	ddb *dynamodb.Client
	s3  *s3.Client
	ses *sesv2.Client
	sfn *sfn.Client
	sm  *secretsmanager.Client
}

func newClients(cfg aws.Config) clients {
	return clients{
		ddb: dynamodb.NewFromConfig(cfg),
		s3:  s3.NewFromConfig(cfg, awsconf.S3Options(cfg)),
		ses: sesv2.NewFromConfig(cfg),
		sfn: sfn.NewFromConfig(cfg),
		sm:  secretsmanager.NewFromConfig(cfg),
	}
}

// bootstrap creates the template's resources. It is idempotent, so it also
// runs after a reset and against a LocalStack that has them already.
func (m *model) bootstrap(ctx context.Context, c clients) error {
	for _, id := range m.ids(kindEmailIdentity) {
		if err := checkProps(m.t.Resources[id], identityProps); err != nil {
			return err
		}
		name, err := m.name(id)
		if err != nil {
			return err
		}
		_, err = c.ses.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(name)})
		var exists *sestypes.AlreadyExistsException
		if err != nil && !errors.As(err, &exists) {
			return fmt.Errorf("create %s (SES identity %s): %w", id, name, err)
		}
	}
	for _, id := range m.ids(kindTable) {
		if err := m.createTable(ctx, c.ddb, id); err != nil {
			return err
		}
	}
	for _, id := range m.ids(kindBucket) {
		if err := checkProps(m.t.Resources[id], bucketProps); err != nil {
			return err
		}
		name, err := m.name(id)
		if err != nil {
			return err
		}
		_, err = c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
		var owned *s3types.BucketAlreadyOwnedByYou
		if err != nil && !errors.As(err, &owned) {
			return fmt.Errorf("create %s (bucket %s): %w", id, name, err)
		}
	}
	for _, id := range m.ids(kindSecret) {
		if err := m.createSecret(ctx, c.sm, id); err != nil {
			return err
		}
	}
	for _, id := range m.ids(kindStateMachine) {
		if err := m.createStateMachine(ctx, c.sfn, id); err != nil {
			return err
		}
	}
	return nil
}

// createSecret creates a secret with its SecretString, or with a random value where
// the template asks CloudFormation to generate one. A secret kept from an earlier run
// keeps its value, and so does one created again after a reset of moto: on AWS a
// generated value lives as long as the stack, and a function that read it before the
// reset (the link key is read when first needed) must still agree with one reading it
// after.
func (m *model) createSecret(ctx context.Context, client *secretsmanager.Client, id string) error {
	name, err := m.name(id)
	if err != nil {
		return err
	}
	value := ""
	if v := m.prop(id, "SecretString"); v != nil {
		if value, err = m.r.resolveString(v, id+".SecretString"); err != nil {
			return err
		}
	} else {
		value = m.generatedSecret(id)
	}
	_, err = client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	var exists *smtypes.ResourceExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create %s (secret %s): %w", id, name, err)
	}
	return nil
}

// generatedSecret is the value generated for a secret of the template, the same for
// the life of the stack.
func (m *model) generatedSecret(id string) string {
	m.secretsMu.Lock()
	defer m.secretsMu.Unlock()
	if m.generated == nil {
		m.generated = map[string]string{}
	}
	if _, ok := m.generated[id]; !ok {
		m.generated[id] = randomSecret(64)
	}
	return m.generated[id]
}

// randomSecret is what GenerateSecretString with ExcludePunctuation gives: letters and
// digits.
func randomSecret(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func checkProps(r *Resource, known []string) error {
	for _, p := range slices.Sorted(maps.Keys(r.Properties)) {
		if !slices.Contains(known, p) {
			return fmt.Errorf("resource %s (%s) has property %s, which the local stack does not know: handle it in infra/stack/bootstrap.go", r.LogicalID, r.Type, p)
		}
	}
	return nil
}

// tableInput is CreateTable's input for a table resource, and its time to
// live, if any.
func (m *model) tableInput(id string) (*dynamodb.CreateTableInput, *ddbtypes.TimeToLiveSpecification, error) {
	name, err := m.name(id)
	if err != nil {
		return nil, nil, err
	}
	v, err := m.r.resolve(m.t.Resources[id].Properties, id)
	if err != nil {
		return nil, nil, err
	}
	props := v.(map[string]any)
	api := maps.Clone(props)
	for _, p := range tableLocalOnly {
		delete(api, p)
	}
	api["TableName"] = name
	if s, ok := props["StreamSpecification"].(map[string]any); ok {
		api["StreamSpecification"] = map[string]any{"StreamEnabled": true, "StreamViewType": s["StreamViewType"]}
	}
	raw, err := json.Marshal(api)
	if err != nil {
		return nil, nil, fmt.Errorf("table %s: %w", id, err)
	}
	var in dynamodb.CreateTableInput
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, nil, fmt.Errorf("resource %s (AWS::DynamoDB::Table): a property the local stack does not know: %w (handle it in infra/stack/bootstrap.go)", id, err)
	}
	var ttl *ddbtypes.TimeToLiveSpecification
	if t, ok := props["TimeToLiveSpecification"].(map[string]any); ok {
		ttl = &ddbtypes.TimeToLiveSpecification{
			AttributeName: aws.String(scalarString(t["AttributeName"])),
			Enabled:       aws.Bool(scalarString(t["Enabled"]) == "true"),
		}
	}
	return &in, ttl, nil
}

func (m *model) createTable(ctx context.Context, client *dynamodb.Client, id string) error {
	in, ttl, err := m.tableInput(id)
	if err != nil {
		return err
	}
	_, err = client.CreateTable(ctx, in)
	var inUse *ddbtypes.ResourceInUseException
	if errors.As(err, &inUse) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create %s (table %s): %w", id, aws.ToString(in.TableName), err)
	}
	if ttl != nil {
		_, err := client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: in.TableName, TimeToLiveSpecification: ttl})
		if err != nil {
			return fmt.Errorf("table %s: time to live: %w", id, err)
		}
	}
	return nil
}

// validate checks, without any AWS call, everything bootstrap would find
// wrong in the template, so that a bad template fails before moto starts.
func (m *model) validate() error {
	for _, id := range m.ids(kindEmailIdentity) {
		if err := checkProps(m.t.Resources[id], identityProps); err != nil {
			return err
		}
		if _, err := m.name(id); err != nil {
			return err
		}
	}
	for _, id := range m.ids(kindBucket) {
		if err := checkProps(m.t.Resources[id], bucketProps); err != nil {
			return err
		}
		if _, err := m.name(id); err != nil {
			return err
		}
	}
	for _, id := range m.ids(kindTable) {
		if _, _, err := m.tableInput(id); err != nil {
			return err
		}
	}
	for _, id := range m.ids(kindSecret) {
		if err := checkProps(m.t.Resources[id], secretProps); err != nil {
			return err
		}
		if _, err := m.name(id); err != nil {
			return err
		}
	}
	for _, id := range m.ids(kindStateMachine) {
		if _, err := m.definition(id); err != nil {
			return err
		}
	}
	return nil
}

func (m *model) createStateMachine(ctx context.Context, client *sfn.Client, id string) error {
	name, err := m.name(id)
	if err != nil {
		return err
	}
	def, err := m.definition(id)
	if err != nil {
		return err
	}
	role := "arn:aws:iam::" + AccountID + ":role/" + id + "Role"
	for _, p := range []string{"Role", "RoleArn"} {
		if v := m.prop(id, p); v != nil {
			if role, err = m.r.resolveString(v, id+"."+p); err != nil {
				return err
			}
		}
	}
	typ := sfntypes.StateMachineTypeStandard
	if v := m.prop(id, "Type"); v != nil {
		typ = sfntypes.StateMachineType(scalarString(v))
	}
	_, err = client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String(role), Type: typ,
	})
	var exists *sfntypes.StateMachineAlreadyExists
	if errors.As(err, &exists) {
		// A LocalStack kept from an earlier run: bring the definition up to date.
		_, err = client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{
			StateMachineArn: aws.String(m.stateMachineARN(name)), Definition: aws.String(def), RoleArn: aws.String(role),
		})
	}
	if err != nil {
		return fmt.Errorf("create %s (state machine %s): %w", id, name, err)
	}
	return nil
}
