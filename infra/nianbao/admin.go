package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"nianbao/shared/admin"
	"nianbao/shared/awsconf"
	"nianbao/shared/store"
)

func init() {
	register("admin", "管理：admin import agencies.yaml 导入或更新机关、审批流程和用户", adminCmd)
}

func adminCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(stderr, "用法: nianbao admin import FILE [--table 表名]")
		return exitUsage
	}
	return adminImport(ctx, args[1:], stdout, stderr)
}

// adminImport writes agencies, chains and users from a YAML file into the table, in AWS
// or in a local stack: the AWS side comes from the usual environment (AWS_REGION,
// credentials, AWS_ENDPOINT_URL for LocalStack or the local stack's gateway).
func adminImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("admin import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	table := fs.String("table", os.Getenv("TABLE_NAME"), "DynamoDB 表名（默认取环境变量 TABLE_NAME）")
	dryRun := fs.Bool("check", false, "只检查文件，不写入")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "用法: nianbao admin import FILE [--table 表名] [--check]")
		fs.PrintDefaults()
	}
	file, ok := fileArg(fs, args)
	if !ok {
		return exitUsage
	}
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "nianbao admin import: 无法读取 %s: %v\n", file, err)
		return exitUsage
	}
	f, err := admin.Parse(data)
	if err != nil {
		fmt.Fprintf(stderr, "nianbao admin import: %s 有错误，未写入任何内容：\n%v\n", file, err)
		return exitFailed
	}
	for _, w := range f.Warnings() {
		fmt.Fprintln(stderr, "警告："+w)
	}
	if *dryRun {
		fmt.Fprintf(stdout, "%s 检查通过：%d 个机关，%d 个用户。\n", file, len(f.Agencies), len(f.Users))
		return exitOK
	}
	if *table == "" {
		fmt.Fprintln(stderr, "nianbao admin import: 请用 --table 或环境变量 TABLE_NAME 指定表名（本地系统的表名是 Table，端点见 nianbao run 的输出）")
		return exitUsage
	}
	cfg, err := awsconf.Load(ctx, nil)
	if err != nil {
		fmt.Fprintln(stderr, "nianbao admin import:", err)
		return exitFailed
	}
	sum, err := admin.Import(ctx, store.New(dynamodb.NewFromConfig(cfg), *table), f)
	if err != nil {
		fmt.Fprintf(stderr, "nianbao admin import: 写入失败（已写入 %d 个机关、%d 个用户，可修正后重新导入）：%v\n", sum.Agencies, sum.Users, err)
		return exitFailed
	}
	subs := ""
	if sum.Substitutes > 0 {
		subs = fmt.Sprintf("、%d 条代理", sum.Substitutes)
	}
	fmt.Fprintf(stdout, "已导入 %d 个机关、%d 个用户%s到表 %s。\n", sum.Agencies, sum.Users, subs, *table)
	return exitOK
}
