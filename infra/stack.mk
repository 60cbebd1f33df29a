# The local AWS stack (infra/stack): finding or installing moto, `make run`.
# Included by the Makefile. See docs/local-stack.md.
#
# NIANBAO_PYTHON is the python that has moto 5 with its server. The `moto`
# target works it out once per make run (the system python3 if it has moto,
# else the project's .venv, made and filled here if need be) and writes it to
# $(MOTO_PYTHON_FILE); recipes get it in their environment. The Go side
# (stack.FindPython) falls back to .venv/bin/python, then python3, when it is
# run without make.

MOTO_PYTHON_FILE := bin/.moto-python
MOTO_CHECK       := import sys, moto, moto.server, flask; sys.exit(int(moto.__version__.split(".")[0]) < 5)
MOTO_INSTALL     := python3 -m venv .venv && .venv/bin/pip install 'moto[server]'

# A NIANBAO_PYTHON from the environment wins; else the one `moto` found.
NIANBAO_PYTHON ?= $(shell cat $(MOTO_PYTHON_FILE) 2>/dev/null)
export NIANBAO_PYTHON

.PHONY: moto run

moto:
	@mkdir -p bin
	@set -e; \
	if [ "$(origin NIANBAO_PYTHON)" = environment ] && ! "$$NIANBAO_PYTHON" -c '$(MOTO_CHECK)' 2>/dev/null; then \
	  echo "NIANBAO_PYTHON=$$NIANBAO_PYTHON has no moto 5 with its server; unset it, or install moto there."; \
	  exit 1; \
	fi; \
	if [ -n "$$NIANBAO_PYTHON" ] && "$$NIANBAO_PYTHON" -c '$(MOTO_CHECK)' 2>/dev/null; then \
	  py="$$NIANBAO_PYTHON"; \
	elif command -v python3 >/dev/null && python3 -c '$(MOTO_CHECK)' 2>/dev/null; then \
	  py="$$(command -v python3)"; \
	elif [ -x .venv/bin/python ] && .venv/bin/python -c '$(MOTO_CHECK)' 2>/dev/null; then \
	  py="$$PWD/.venv/bin/python"; \
	else \
	  echo "moto 5 is missing: installing it into .venv ($(MOTO_INSTALL))"; \
	  fresh=; [ -e .venv ] || fresh=1; \
	  if command -v python3 >/dev/null && python3 -m venv .venv \
	     && .venv/bin/pip install --quiet --retries 1 --timeout 20 'moto[server]' \
	     && .venv/bin/python -c '$(MOTO_CHECK)'; then \
	    py="$$PWD/.venv/bin/python"; \
	  else \
	    if [ -n "$$fresh" ]; then rm -rf .venv; fi; \
	    echo ""; \
	    echo "moto could not be installed here (is there Python 3 with venv, and a package index?)."; \
	    echo "Install it, then run make again:"; \
	    echo ""; \
	    echo "    $(MOTO_INSTALL)"; \
	    echo ""; \
	    echo "(or point NIANBAO_PYTHON at a python that has moto 5: NIANBAO_PYTHON=/path/to/python make …)"; \
	    exit 1; \
	  fi; \
	fi; \
	echo "$$py" > $(MOTO_PYTHON_FILE)

# The integration tests start the stack themselves (infra/stack/stacktest).
unit: moto

run: moto $(BIN)
	$(BIN) run
