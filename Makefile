# nianbao — the two commands a newcomer needs are `make run` and `make test`.
# Scripts call bin/nianbao directly; these targets wrap it for people.

SHELL := /bin/bash
GO    ?= go
BIN   := bin/nianbao

# How long `make test` fuzzes the document decoder. Crashers land in
# shared/report/testdata/fuzz and are kept (commit them).
FUZZTIME ?= 5s

.PHONY: all test unit vet fmt-check fuzz bench validate cli clean help

all: test

help:
	@echo "make run                     启动本地系统（moto + 网关 + 网页），打印要打开的网址"
	@echo "make test                    运行全部检查和测试"
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

test: fmt-check vet lint unit fuzz

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.venv/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 200x ./shared/report

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./shared/...

clean:
	rm -rf bin .aws-sam

-include infra/*.mk
