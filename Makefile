# nianbao — the two commands a newcomer needs are `make run` and `make test`.
# Scripts call bin/nianbao directly; these targets wrap it for people.

SHELL := /bin/bash
GO    ?= go
BIN   := bin/nianbao

# How long `make test` fuzzes the document decoder. Crashers land in
# shared/report/testdata/fuzz and are kept (commit them).
FUZZTIME ?= 5s

# Packages with goroutines and locks: `make unit` runs their tests under the race
# detector, the others' without (each package runs once).
RACE_PKGS ?= ./shared/... ./infra/stack/... ./infra/browser

# The Go linters are pinned in tools/go.mod, a module of their own: their
# dependencies stay out of this module's build list (see tools/go.mod).
STATICCHECK := bin/staticcheck

.PHONY: all test lint unit vet fmt-check staticcheck tidy-check js-check defined-once fuzz bench validate cli clean help

all: test

help:
	@echo "make run                     启动本地系统（moto + 网关 + 网页），打印要打开的网址"
	@echo "make test                    运行全部检查和测试"
	@echo "make lint                    只运行静态检查（gofmt、go vet、staticcheck、go mod tidy、node --check、cfn-lint、唯一定义）"
	@echo "make validate FILE=… [PREVIOUS=…]  检查一个报告文件"
	@echo "make render FILE=… OUT=…     把报告渲染成网页预览"
	@echo "make bench                   运行性能基准"

cli: $(BIN)

# Always rebuilt: go build is incremental and knows better than make what changed.
.PHONY: $(BIN)
$(BIN):
	@mkdir -p bin
	$(GO) build -o $(BIN) ./infra/nianbao

validate: $(BIN)
	@test -n "$(FILE)" || { echo "用法: make validate FILE=报告.json [PREVIOUS=上年报告.json]"; exit 2; }
	$(BIN) validate "$(FILE)" $(if $(PREVIOUS),--previous "$(PREVIOUS)") --output text

test: lint unit fuzz

# defined-once comes last: it names facts the code must define in one place, and
# should not hide what the other checks find.
lint: fmt-check vet staticcheck tidy-check js-check cfn-lint defined-once

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.venv/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Always rebuilt: go build is incremental (staticcheck is not a dependency of this module).
.PHONY: $(STATICCHECK)
$(STATICCHECK):
	@mkdir -p bin
	$(GO) build -C tools -o ../$(STATICCHECK) honnef.co/go/tools/cmd/staticcheck

# Its checks are staticcheck's defaults; a finding silenced on purpose has a
# //lint:ignore <check> <reason> beside it.
staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

# go mod tidy -diff prints what tidy would change and fails when it would change anything.
tidy-check:
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
	@$(GO) -C tools mod tidy -diff || { echo "tools/go.mod/go.sum are not tidy: run (cd tools && go mod tidy)"; exit 1; }

# The pages load these as <script type="module">: each is checked as an ES module
# (strict mode, import/export), as node does for code on stdin with
# --input-type=module. Given a .js path, node checks a script as CommonJS, in
# sloppy mode, unless it sees import/export: `with` would pass.
js-check:
	@command -v node >/dev/null || { echo "node is missing: js-check needs Node.js (node --check)"; exit 1; }
	@set -e; fail=0; for f in $(wildcard shared/web/static/*.js shared/web/static/*.mjs); do \
	  if ! out=$$(node --input-type=module --check < "$$f" 2>&1); then \
	    echo "$$f: not a valid ES module:"; echo "$$out" | sed "s|^\[stdin\]|$$f|"; fail=1; \
	  fi; \
	done; exit $$fail

# The 保密审查 attestation sentence and the year bounds, each written once (infra/definedonce).
defined-once:
	$(GO) run ./infra/definedonce

unit:
	@[ "$$($(GO) env CGO_ENABLED)" = 1 ] || { echo "go test -race needs cgo: install a C compiler (gcc; .ci/run does), or set CGO_ENABLED=1"; exit 1; }
	$(GO) test -count=1 -race $(RACE_PKGS)
	@set -e; race=$$($(GO) list $(RACE_PKGS)); \
	rest=$$($(GO) list ./... | grep -vxF -e "$$race"); \
	echo "$(GO) test -count=1 <the other packages>"; \
	$(GO) test -count=1 $$rest

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 200x ./shared/report

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./shared/...

clean:
	rm -rf bin .aws-sam

-include infra/*.mk
