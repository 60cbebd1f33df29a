package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"nianbao/shared/importer"
	"nianbao/shared/render"
)

func init() {
	register("import", "把网站上的报告网页或 Word 文件读成报告文件（import FILE [-o OUT.json] [--format gip-2019|gip-2021] [--agency 名称] [--year 年度]）", importCmd)
}

// importCmd reads a report page (.html/.htm) or Word file (.docx) into a report
// document. Exit 0: every cell read; 1: some could not be (listed on stderr, left blank);
// 2: the file holds no report tables, or cannot be read.
func importCmd(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "写出的报告文件（默认写到标准输出）")
	format := fs.String("format", "", "报告格式 gip-2019 或 gip-2021（默认按年度或文件中的格式文号）")
	agency := fs.String("agency", "", "机关名称（默认取标题或落款中的）")
	year := fs.Int("year", 0, "报告年度（默认取标题中的）")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法: nianbao import FILE [-o OUT.json] [--format gip-2019|gip-2021] [--agency NAME] [--year N]")
		fs.PrintDefaults()
	}
	file, ok := fileArg(fs, args)
	if !ok {
		return exitUsage
	}
	if *format != "" && *format != "gip-2019" && *format != "gip-2021" {
		fmt.Fprintf(stderr, "nianbao import: --format 应为 gip-2019 或 gip-2021，实为 %q\n", *format)
		return exitUsage
	}
	data, err := readBounded(file)
	if err != nil {
		fmt.Fprintf(stderr, "nianbao import: %v\n", err)
		return exitUsage
	}
	res, err := importer.Import(file, data, importer.Options{Format: *format, Agency: *agency, Year: *year})
	if err != nil {
		if errors.Is(err, importer.ErrNoReport) {
			fmt.Fprintf(stderr, "nianbao import: %s：%v（不是政府信息公开工作年度报告？）\n", file, err)
		} else {
			fmt.Fprintf(stderr, "nianbao import: %s：%v\n", file, err)
		}
		return exitUsage
	}
	js, err := render.ReportJSON(res.Doc)
	if err != nil {
		fmt.Fprintf(stderr, "nianbao import: %v\n", err)
		return exitUsage
	}
	js = append(js, '\n')
	if *out == "" {
		_, err = stdout.Write(js)
	} else {
		err = os.WriteFile(*out, js, 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "nianbao import: 无法写出报告文件: %v\n", err)
		return exitUsage
	}
	if res.Doc.Agency == "" || res.Doc.Year == 0 {
		fmt.Fprintln(stderr, "nianbao import: 文件中读不出机关名称或年度，请用 --agency 和 --year 指明")
	}
	for _, p := range res.Problems {
		fmt.Fprintf(stderr, "%s: %s\n", file, p)
	}
	if !res.Complete() {
		fmt.Fprintf(stderr, "nianbao import: %d 个单元格未能读出，已留空；请核对后补填\n", len(res.Problems))
		return exitFailed
	}
	if *out != "" {
		fmt.Fprintln(stdout, *out)
	}
	return exitOK
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("无法读取 %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, importer.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("无法读取 %s: %w", path, err)
	}
	if len(data) > importer.MaxFileSize {
		return nil, fmt.Errorf("%s 超过 %d MB，不像是一份年度报告", path, importer.MaxFileSize>>20)
	}
	return data, nil
}
