# The project's Python tools, pinned in infra/requirements.txt, in .venv.
# Included by the Makefile.
#
#   make python-tools   every pinned tool (moto, cfn-lint, the SAM CLI); `make test` does this
#   make moto           moto only (infra/stack.mk); `make run` does only this
#   make sam-check      sam validate --lint, sam build, and the test that it is make build's build
#
# Each makes .venv when it is missing and installs (pip) only when a tool is
# missing there or at another version, saying which. Without a package index:
# an existing .venv with the pinned versions needs none; see the README.

VENV         := .venv
VENV_PYTHON  := $(CURDIR)/$(VENV)/bin/python
REQUIREMENTS := infra/requirements.txt
PIP_INSTALL  := $(VENV)/bin/pip install --quiet --disable-pip-version-check --retries 1 --timeout 30

# Recipes find the pinned tools first (cfn-lint in make lint, sam, python3).
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

# $(call python_install,NAMES,WHAT): install the requirement lines of NAMES
# (package names without extras; empty: all) that .venv lacks. WHAT is what
# pip is given when something is missing: the whole file for the whole set,
# so that pip resolves the tools together.
define python_install
	@set -e; \
	if [ ! -x $(VENV_PYTHON) ]; then \
	  command -v python3 >/dev/null || { echo "python3 is missing: install Python 3 (with venv), then run make again"; exit 1; }; \
	  echo "python: making $(VENV) (python3 -m venv $(VENV))"; \
	  python3 -m venv $(VENV) || { rm -rf $(VENV); echo "python3 -m venv failed: install Python's venv module (Debian: apt-get install python3-venv)"; exit 1; }; \
	fi; \
	need=$$($(VENV_PYTHON) infra/pytools.py $(REQUIREMENTS) $(1) 2>$(VENV)/.pytools-why) || { cat $(VENV)/.pytools-why; exit 1; }; \
	if [ -n "$$need" ]; then \
	  echo "python: installing into $(VENV):" $$need; cat $(VENV)/.pytools-why; \
	  start=$$(date +%s); \
	  if ! $(PIP_INSTALL) $(2); then \
	    echo ""; \
	    echo "pip could not install the pinned tools (no package index here?). Either"; \
	    echo "  - on a machine with one: pip download -d wheels -r $(REQUIREMENTS), copy wheels/ here, then"; \
	    echo "    PIP_NO_INDEX=1 PIP_FIND_LINKS=wheels make …"; \
	    echo "  - or, where a python already has the pinned versions: rm -rf $(VENV); python3 -m venv --system-site-packages $(VENV)"; \
	    exit 1; \
	  fi; \
	  left=$$($(VENV_PYTHON) infra/pytools.py $(REQUIREMENTS) $(1) 2>&1); \
	  if [ -n "$$left" ]; then echo "python: still not as pinned after pip install:"; echo "$$left"; exit 1; fi; \
	  echo "python: installed in $$(( $$(date +%s) - start )) s"; \
	fi
endef

.PHONY: python-tools python-moto python-cfn-lint sam-check

python-tools:
	$(call python_install,,-r $(REQUIREMENTS))

python-moto:
	$(call python_install,moto,"$$(grep -E '^moto(\[|=)' $(REQUIREMENTS))")

python-cfn-lint:
	$(call python_install,cfn-lint,"$$(grep -E '^cfn-lint=' $(REQUIREMENTS))")

# make test (and make, which is make test) installs all the tools up front; make
# lint alone only cfn-lint, make run and make unit only moto (infra/stack.mk).
ifneq ($(filter test all,$(or $(MAKECMDGOALS),all)),)
lint unit moto: python-tools
else
lint: python-cfn-lint
endif

# SAM, as `sam build` on a deploying machine runs it, with telemetry off and no
# AWS credentials or configuration (neither command needs an account; the
# region is only a default). --build-in-source: the makefile build runs in the
# project directory instead of a copy of it (which would copy .venv).
SAM_ENV := env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
	-u AWS_ENDPOINT_URL SAM_CLI_TELEMETRY=0 AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
	AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
MAKE_BUILD := .aws-sam/make-build

test: sam-check

sam-check: python-tools
	$(SAM_ENV) sam validate --lint
	@# make build first: sam build then links from a warm build cache.
	$(MAKE) --no-print-directory build SAM_BUILD=$(MAKE_BUILD)
	time $(SAM_ENV) sam build --build-in-source
	NIANBAO_SAM_BUILD=$(CURDIR)/.aws-sam/build NIANBAO_MAKE_BUILD=$(CURDIR)/$(MAKE_BUILD) \
	  $(GO) test -count=1 -run '^TestSAMBuildIsMakeBuild$$' ./infra/deploy
