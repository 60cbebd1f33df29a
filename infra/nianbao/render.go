package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"nianbao/shared/filing"
	"nianbao/shared/render"
	"nianbao/shared/site"
)

func init() {
	register("render", "把报告文件生成网页和 Word 版，供离线预览（render FILE -o DIR：写出 DIR/index.html、样式和 DIR/report.docx）", renderCmd)
}

func renderCmd(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "输出目录（写出 index.html、assets/ 和 report.docx）")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法: nianbao render FILE -o DIR")
		fs.PrintDefaults()
	}
	file, ok := fileArg(fs, args)
	if !ok {
		return exitUsage
	}
	if *out == "" {
		fmt.Fprintln(stderr, "nianbao render: 缺少 -o DIR（输出目录）")
		fs.Usage()
		return exitUsage
	}

	doc, err := readDocument(file)
	if err != nil {
		fmt.Fprintf(stderr, "nianbao render: %v\n", err)
		return exitUsage
	}
	var page bytes.Buffer
	if err := render.Page(&page, doc, nil, render.PageOptions{Place: render.PlacePreview, Docx: site.ReportDocx}); err != nil {
		fmt.Fprintf(stderr, "nianbao render: %v\n", err)
		return exitFailed
	}
	// The Word copy, its 落款 undated: the date is the approval's, not known here.
	docx, err := filing.Report(doc, render.ClosingOf(doc, time.Time{}))
	if err != nil {
		fmt.Fprintf(stderr, "nianbao render: %v\n", err)
		return exitFailed
	}
	if err := writePreview(*out, page.Bytes()); err != nil {
		fmt.Fprintf(stderr, "nianbao render: %v\n", err)
		return exitFailed
	}
	if err := os.WriteFile(filepath.Join(*out, site.ReportDocx), docx, 0o644); err != nil {
		fmt.Fprintf(stderr, "nianbao render: 无法写出 Word 版: %v\n", err)
		return exitFailed
	}
	fmt.Fprintln(stdout, filepath.Join(*out, "index.html"))
	return exitOK
}

// writePreview writes the page and, beside it, the assets folder the page links to.
func writePreview(dir string, page []byte) error {
	if err := os.MkdirAll(filepath.Join(dir, "assets"), 0o755); err != nil {
		return fmt.Errorf("无法创建输出目录: %w", err)
	}
	err := fs.WalkDir(render.Assets(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, "assets", filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := fs.ReadFile(render.Assets(), path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		return fmt.Errorf("无法写出样式文件: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), page, 0o644); err != nil {
		return fmt.Errorf("无法写出网页: %w", err)
	}
	return nil
}
