# Deploying to AWS with SAM (docs/deploy.md). Included by the Makefile.
#
#   make build    every function for Lambda (linux/arm64) into .aws-sam/build/<Function>/bootstrap
#   make cfn-lint cfn-lint on template.yaml, and on the ASL in a plain state machine (E3601);
#                 part of make lint
#   make deploy   sam build + sam deploy --guided
#
# SAM builds each function with `make build-<LogicalId>` (Metadata: BuildMethod:
# makefile in template.yaml), giving ARTIFACTS_DIR.

# The functions of template.yaml and their directories under functions/.
# infra/deploy's tests check that this list, the template and functions/ agree.
FUNCTIONS := \
	ApiFunction:api \
	SignInFunction:sign-in \
	ValidateFunction:validate \
	RequestApprovalFunction:request-approval \
	RemindFunction:remind \
	ReturnFunction:return \
	PublishFunction:publish \
	NotifyFunction:notify \
	RecordFailureFunction:record-failure

# lambda.norpc: the provided.al2023 runtime speaks the Runtime API only, so the
# RPC server of the go1.x runtime is left out.
LAMBDA_ENV     := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
LAMBDA_GOFLAGS := -tags lambda.norpc -trimpath -ldflags "-s -w"
SAM_BUILD      := .aws-sam/build
# Where cfn-lint checks the template: one global region and both China regions,
# whose registries lack SES and parts of CloudFront (infra/deploy.LintRegions).
LINT_REGIONS   := us-east-1 cn-north-1 cn-northwest-1

.PHONY: build deploy cfn-lint

fn_id  = $(word 1,$(subst :, ,$(1)))
fn_dir = $(word 2,$(subst :, ,$(1)))

# One go build for all: the packages are compiled once and the binaries linked
# in parallel.
build:
	@rm -rf $(SAM_BUILD)/.bin && mkdir -p $(SAM_BUILD)/.bin
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_GOFLAGS) -o $(SAM_BUILD)/.bin/ ./functions/...
	@set -e; printf '%-26s %12s %8s %14s\n' function bytes MB "zipped MB (≈)"; \
	for f in $(FUNCTIONS); do \
	  id=$${f%%:*}; dir=$${f#*:}; \
	  mkdir -p $(SAM_BUILD)/$$id; mv $(SAM_BUILD)/.bin/$$dir $(SAM_BUILD)/$$id/bootstrap; \
	  size=$$(stat -c %s $(SAM_BUILD)/$$id/bootstrap); \
	  zipped=$$(gzip -6 -c $(SAM_BUILD)/$$id/bootstrap | wc -c); \
	  awk -v id=$$id -v s=$$size -v z=$$zipped 'BEGIN { printf "%-26s %12d %8.1f %14.1f\n", id, s, s/1048576, z/1048576 }'; \
	done; \
	rmdir $(SAM_BUILD)/.bin

# build-<LogicalId>, for `sam build`.
define sam_build_target
.PHONY: build-$(call fn_id,$(1))
build-$(call fn_id,$(1)):
	@test -n "$$(ARTIFACTS_DIR)" || { echo "build-$(call fn_id,$(1)) is run by sam build, which sets ARTIFACTS_DIR (use make build)"; exit 2; }
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_GOFLAGS) -o "$$(ARTIFACTS_DIR)/bootstrap" ./functions/$(call fn_dir,$(1))
endef
$(foreach f,$(FUNCTIONS),$(eval $(call sam_build_target,$(f))))

# One cfn-lint run (its start is most of the time) on template.yaml and on the ASL.
# cfn-lint cannot read a SAM DefinitionUri file: the ASL goes into a plain
# AWS::StepFunctions::StateMachine, whose Definition it checks against the ASL
# schema (E3601).
cfn-lint:
	@command -v cfn-lint >/dev/null || { echo "cfn-lint is missing: it comes with this project's machines (pip package cfn-lint); see docs/deploy.md"; exit 1; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	{ printf '{"AWSTemplateFormatVersion":"2010-09-09","Resources":{"ApprovalStateMachine":{"Type":"AWS::StepFunctions::StateMachine","Properties":{"RoleArn":"arn:aws:iam::123456789012:role/lint","Definition":'; \
	  cat workflow/approval.asl.json; printf '}}}}\n'; } > "$$tmp/approval.asl-in-a-state-machine.json"; \
	echo "cfn-lint --regions $(LINT_REGIONS) -- template.yaml workflow/approval.asl.json (in an AWS::StepFunctions::StateMachine; its line numbers are the ASL file's)"; \
	cfn-lint --regions $(LINT_REGIONS) -- template.yaml "$$tmp/approval.asl-in-a-state-machine.json"

deploy:
	@command -v sam >/dev/null || { \
	  echo "sam (the AWS SAM CLI) is not installed here. Install it on the machine you deploy from"; \
	  echo "(https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html),"; \
	  echo "then run: sam build && sam deploy --guided    — docs/deploy.md walks through the parameters."; \
	  exit 1; }
	sam build
	sam deploy --guided
