package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"nianbao/infra/local"
	"nianbao/infra/stack"
)

func init() { register("run", "启动本地系统（moto + 网关 + 网页）", runCmd) }

// paramFlags collects repeated -param Key=Value.
type paramFlags map[string]string

func (p paramFlags) String() string { return fmt.Sprint(map[string]string(p)) }

func (p paramFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want Key=Value, have %q", s)
	}
	p[k] = v
	return nil
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defPort := 8080
	if p, err := strconv.Atoi(os.Getenv("PORT")); err == nil {
		defPort = p
	}
	port := fs.Int("port", defPort, "网页端口（默认取环境变量 PORT，否则 8080）")
	tmpl := fs.String("template", "", "SAM 模板（默认：模块根目录的 template.yaml）")
	verbose := fs.Bool("v", false, "输出 moto 的请求日志和每次函数调用")
	noDemo := fs.Bool("no-demo", false, "不导入示例机关 demo 和它的用户")
	params := paramFlags{}
	fs.Var(params, "param", "覆盖模板参数，Key=Value，可重复")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法: nianbao run [-port 8080] [-template template.yaml] [-param Key=Value] [-v]")
		fmt.Fprintln(stderr, "  设置了 AWS_ENDPOINT_URL（如 LocalStack 的 http://localhost:4566）时不启动 moto，直接用那个端点。")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log) // the handlers log through slog's default, as on Lambda
	motoLog := io.Discard
	if *verbose {
		motoLog = stderr
	}

	start := time.Now()
	opts := local.Options()
	opts.TemplatePath = *tmpl
	opts.Parameters = params
	opts.WebPort = *port
	opts.Endpoint = os.Getenv("AWS_ENDPOINT_URL")
	opts.Log = log
	opts.MotoLog = motoLog
	opts.Verbose = *verbose
	if !*noDemo {
		// Imported before the web port opens: the first person to reach it can sign in.
		opts.Seed = func(ctx context.Context, st *stack.Stack) error {
			if err := local.SeedDemo(ctx, st); err != nil {
				return fmt.Errorf("导入示例数据失败: %w", err)
			}
			return nil
		}
	}
	st, err := stack.Start(ctx, opts)
	if err != nil {
		fmt.Fprintln(stderr, "nianbao run:", err)
		return exitFailed
	}
	defer st.Stop()

	fmt.Fprintf(stdout, "nianbao 本地系统已启动（%.1f 秒）\n", time.Since(start).Seconds())
	fmt.Fprintf(stdout, "  网页          %s\n", st.WebURL)
	fmt.Fprintf(stdout, "  本地邮箱      %s_local/mail/view   （登录链接和审批链接都在这里）\n", st.WebURL)
	fmt.Fprintf(stdout, "  已发布的报告  %s_local/site/reports/\n", st.WebURL)
	fmt.Fprintf(stdout, "  本地资源      %s_local/\n", st.WebURL)
	if !*noDemo {
		fmt.Fprintln(stdout, "  示例机关 demo（示例区应急管理局）：起草人 drafter@demo.local；审批人 section@、office@、director@demo.local")
		fmt.Fprintln(stdout, "  示例政府 demo-gov（示例区人民政府）：督导 supervisor@demo.local，报送情况在 /supervise")
	}
	fmt.Fprintf(stdout, "  AWS 端点      %s\n", st.Endpoint)
	if st.MotoURL != "" {
		fmt.Fprintf(stdout, "  moto          %s/moto-api/   （moto %s，补丁：%s）\n", st.MotoURL, st.Info.Moto, strings.Join(st.Info.Workarounds, ", "))
	}
	fmt.Fprintf(stdout, "用 AWS CLI 查看：%s aws dynamodb scan --table-name %s\n",
		strings.Join(stack.CLIEnvironment(st.Endpoint), " "), refOr(st, "Table"))
	fmt.Fprintln(stdout, keepsNotice(st))
	fmt.Fprintln(stdout, "按 Ctrl-C 停止。")

	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "\n正在停止……")
	case <-st.Done():
		fmt.Fprintln(stderr, "nianbao run: moto 意外退出")
		st.Stop()
		return exitFailed
	}
	if err := st.Stop(); err != nil {
		fmt.Fprintln(stderr, "nianbao run: 停止时出错:", err)
		return exitFailed
	}
	return exitOK
}

// memoryNotice is what `nianbao run` says about its data on moto: all of it is in moto's
// memory, gone when the process stops.
const memoryNotice = "注意：本地系统的全部数据（机关、用户、草稿、审批记录、已发布的报告、邮件）只保存在内存里（moto），按 Ctrl-C 停止后全部丢失，下次启动重新导入示例数据。"

// keepsNotice says what survives the local system: nothing on moto; on another endpoint
// (LocalStack) whatever that endpoint keeps.
func keepsNotice(st *stack.Stack) string {
	if st.MotoURL != "" {
		return memoryNotice
	}
	return "注意：数据保存在 " + st.Endpoint + "，停止后是否保留取决于它的配置（LocalStack 默认也只在内存里）。"
}

func refOr(st *stack.Stack, id string) string {
	if v, err := st.Ref(id); err == nil {
		return v
	}
	return "<表名>"
}
