# The report page renderer (shared/render): `make render`, for people.
# Included by the Makefile. See docs/render.md.

OUT ?= out/preview

.PHONY: render bench-render

# make render FILE=报告.json [OUT=目录]: DIR/index.html with its assets beside it,
# to open in a browser (file:// works: the page needs no server).
render: $(BIN)
	@test -n "$(FILE)" || { echo "用法: make render FILE=报告.json OUT=输出目录"; exit 2; }
	$(BIN) render "$(FILE)" -o "$(OUT)"

bench-render:
	$(GO) test -run '^$$' -bench '^BenchmarkPage$$' -benchmem -count 5 ./shared/render
