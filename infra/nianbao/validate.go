package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"nianbao/shared/report"
)

func init() {
	register("validate", "检查报告文件的勾稽关系和格式（validate FILE [--previous 上年报告] [--output json|text]）", validateCmd)
}

func validateCmd(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	previous := fs.String("previous", "", "上年度的报告文件，用于跨年度检查")
	output := fs.String("output", "json", "输出格式：json 或 text")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法: nianbao validate FILE [--previous LAST_YEAR_FILE] [--output json|text]")
		fs.PrintDefaults()
	}
	file, ok := fileArg(fs, args)
	if !ok {
		return exitUsage
	}
	if *output != "json" && *output != "text" {
		fmt.Fprintf(stderr, "nianbao validate: --output 应为 json 或 text，实为 %q\n", *output)
		return exitUsage
	}

	doc, err := readDocument(file)
	if err != nil {
		fmt.Fprintf(stderr, "nianbao validate: %v\n", err)
		return exitUsage
	}
	var prev *report.Document
	if *previous != "" {
		if prev, err = readDocument(*previous); err != nil {
			fmt.Fprintf(stderr, "nianbao validate: 上年报告 %v\n", err)
			return exitUsage
		}
		if doc.Year != 0 && prev.Year != doc.Year-1 {
			fmt.Fprintf(stderr, "nianbao validate: 上年报告 %s 是 %d 年度的，应为 %d 年度\n", *previous, prev.Year, doc.Year-1)
			return exitUsage
		}
	}

	res := report.Check(doc, prev)
	if *output == "text" {
		writeFindingsText(stdout, file, res)
	} else {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(stderr, "nianbao validate: %v\n", err)
			return exitUsage
		}
	}
	if !res.Valid {
		return exitFailed
	}
	return exitOK
}

func readDocument(path string) (*report.Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("无法读取 %s: %w", path, err)
	}
	defer f.Close()
	doc, err := report.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s 不是有效的报告文件: %w", path, err)
	}
	return doc, nil
}

func writeFindingsText(w io.Writer, file string, res report.Result) {
	errs, warns := 0, 0
	for _, f := range res.Findings {
		label := "警告"
		if f.Severity == report.SeverityError {
			label = "错误"
			errs++
		} else {
			warns++
		}
		fmt.Fprintf(w, "%s [%s] %s：%s\n", label, f.Rule, f.Path, f.Message)
	}
	switch {
	case errs > 0:
		fmt.Fprintf(w, "%s：%d 个错误，%d 个警告。有错误的报告不能提交审批。\n", file, errs, warns)
	case warns > 0:
		fmt.Fprintf(w, "%s：没有错误，%d 个警告。\n", file, warns)
	default:
		fmt.Fprintf(w, "%s：检查通过，没有发现问题。\n", file)
	}
}
