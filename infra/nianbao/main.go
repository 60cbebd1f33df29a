// Command nianbao runs the local stack and works on report files offline.
//
// Each subcommand lives in its own file and registers itself in init, so
// adding one never means editing this dispatcher.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	_ "time/tzdata" // dates are 北京时间 and Lambda-like hosts may have no zone files
)

// Exit statuses shared by every subcommand.
const (
	exitOK     = 0
	exitFailed = 1 // the command ran and found a problem (e.g. a rule is broken)
	exitUsage  = 2 // the input could not be used at all
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	if _, dup := commands[name]; dup {
		panic("nianbao: command registered twice: " + name)
	}
	commands[name] = command{summary: summary, run: run}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		return exitUsage
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "nianbao: 未知命令 %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	return cmd.run(ctx, args[1:], stdout, stderr)
}

// fileArg parses a subcommand's flags around its one FILE argument, so that both
// "validate FILE --previous X" (as the usage lines show; flag stops at FILE) and
// "validate --previous X FILE" work. It prints the usage and says false when the
// arguments do not fit.
func fileArg(fs *flag.FlagSet, args []string) (string, bool) {
	var file string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return "", false
	}
	switch {
	case file == "" && fs.NArg() == 1:
		return fs.Arg(0), true
	case file == "" || fs.NArg() > 0:
		fs.Usage()
		return "", false
	}
	return file, true
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "用法: nianbao <命令> [参数]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}
