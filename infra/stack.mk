# The local AWS stack (infra/stack): moto, `make run`.
# Included by the Makefile. See docs/local-stack.md.
#
# moto runs from the project's .venv, at the version infra/requirements.txt
# pins (infra/python.mk installs it). NIANBAO_PYTHON from the environment
# names another python instead; the integration tests still insist on the
# pinned version. The Go side (stack.FindPython) uses the same: NIANBAO_PYTHON,
# else .venv/bin/python, else python3.

.PHONY: moto run

ifeq ($(origin NIANBAO_PYTHON),environment)
moto:
	@"$$NIANBAO_PYTHON" infra/pytools.py $(REQUIREMENTS) moto >/dev/null 2>&1 || \
	  echo "NIANBAO_PYTHON=$$NIANBAO_PYTHON lacks the pinned moto ($$(grep -E '^moto' $(REQUIREMENTS))); the integration tests will say so"
else
moto: python-moto
endif

# The integration tests start the stack themselves (infra/stack/stacktest).
unit: moto

run: moto $(BIN)
	$(BIN) run
