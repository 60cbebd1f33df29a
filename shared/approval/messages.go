package approval

import (
	"fmt"
	"html"
	"strings"

	"nianbao/shared/mail"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

// letter is the shape of every message: the action link first (a busy approver on a
// phone sees it before anything else), then the facts, one per line.
type letter struct {
	To        []string
	Subject   string
	Link      string
	LinkLabel string
	Lines     []string
}

func (l letter) message() mail.Message {
	var text strings.Builder
	if l.Link != "" {
		fmt.Fprintf(&text, "%s：%s\n\n", l.LinkLabel, l.Link)
	}
	for _, line := range l.Lines {
		text.WriteString(line)
		text.WriteByte('\n')
	}
	return mail.Message{To: l.To, Subject: l.Subject, Text: text.String(), HTML: l.html()}
}

// html is the letter's HTML part. It is built with html.EscapeString rather than
// html/template: executing a template makes the linker keep every method of every AWS
// client in the binary (templates call methods by reflection), which would double the
// size of each step function that mails; a letter is a link and a few escaped lines.
func (l letter) html() string {
	var b strings.Builder
	b.WriteString(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>`)
	b.WriteString(html.EscapeString(l.Subject))
	b.WriteString(`</title></head>
<body style="font-family:'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;line-height:1.6">
`)
	if l.Link != "" {
		fmt.Fprintf(&b, "<p><a href=\"%s\" style=\"font-size:1.1em;font-weight:bold\">%s</a></p>\n",
			html.EscapeString(l.Link), html.EscapeString(l.LinkLabel))
	}
	for _, line := range l.Lines {
		fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(line))
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

func reportTitle(ag *store.Agency, v *store.Version) string {
	return fmt.Sprintf("%s（第 %d 版）", render.Title(ag.Name, v.Year), v.Number)
}

func submittedLine(v *store.Version) string {
	return fmt.Sprintf("提交人：%s；提交时间：%s（北京时间）", v.SubmittedBy, render.DateTime(v.SubmittedAt))
}

func approvalMessage(ag *store.Agency, v *store.Version, a *store.Approval, r store.Recipient, link string, reminder bool) mail.Message {
	to := r.Email
	subject := "【待审批】" + reportTitle(ag, v)
	lines := []string{
		fmt.Sprintf("%s已提交，等待「%s」审批。", reportTitle(ag, v), a.LevelName),
		submittedLine(v),
	}
	if reminder {
		subject = "【催办】" + reportTitle(ag, v)
		lines = append([]string{fmt.Sprintf("这是第 %d 次催办：报告仍在等待您的审批。", a.Reminders)}, lines...)
	}
	switch {
	case r.For != "":
		lines = append(lines, fmt.Sprintf("您是 %s 的代理人：在代理期间可以代其审批，记录将显示「%s」。%s 也收到了本审批，任何一人审批后即结束。",
			r.For, store.ActorLabel(r.Email, r.For), r.For))
	case r.Escalation:
		lines = append(lines, fmt.Sprintf("「%s」经 %d 次催办仍未审批，现提交您审批；逾期仍未审批的，报告将退回起草人。", a.LevelName, a.Reminders))
	}
	if v.CorrectionReason != "" {
		lines = append(lines, "本版是对已发布报告的更正，更正原因："+v.CorrectionReason)
	}
	if a.ConfidentialityReview {
		lines = append(lines, "本级审批包含保密审查：同意公开前，请确认已按规定进行保密审查。")
	}
	lines = append(lines,
		"打开上面的链接查看报告全文，选择「同意」或「退回」。",
		"此链接只供您本人使用，请勿转发。")
	return letter{To: []string{to}, Subject: subject, Link: link, LinkLabel: "审批链接", Lines: lines}.message()
}

// escalatedMessage tells a level's approvers that their approval was offered to the
// level's escalate_to after the last reminder.
func escalatedMessage(ag *store.Agency, v *store.Version, a *store.Approval, to []string, escalateTo string) mail.Message {
	return letter{To: to, Subject: "【已提交上级】" + reportTitle(ag, v),
		Lines: []string{
			fmt.Sprintf("%s在「%s」经 %d 次催办仍未审批，已提交 %s 审批。", reportTitle(ag, v), a.LevelName, a.Reminders, escalateTo),
			"您的审批链接仍然有效：您或 " + escalateTo + " 任何一人审批后即结束；逾期仍未审批的，报告将退回起草人。",
		}}.message()
}

func invalidMessage(ag *store.Agency, v *store.Version, findings []report.Finding, url string) mail.Message {
	lines := []string{fmt.Sprintf("%s未通过校验，已退回，没有进入审批。请修改以下问题后重新提交：", reportTitle(ag, v))}
	for _, f := range findings {
		if f.Severity == report.SeverityError {
			lines = append(lines, "• "+f.Message)
		}
	}
	return letter{To: []string{v.SubmittedBy}, Subject: "【已退回】" + reportTitle(ag, v) + "未通过校验",
		Link: url, LinkLabel: "修改报告", Lines: lines}.message()
}

func returnedMessage(ag *store.Agency, v *store.Version, level string, d *Decision, url string) mail.Message {
	return letter{To: []string{v.SubmittedBy}, Subject: "【已退回】" + reportTitle(ag, v),
		Link: url, LinkLabel: "修改报告",
		Lines: []string{
			fmt.Sprintf("%s被「%s」退回。", reportTitle(ag, v), level),
			"退回人：" + d.By,
			"退回意见：" + d.Comment,
			"请按意见修改后重新提交，重新提交后将从第一级重新审批。",
		}}.message()
}

func overdueMessage(ag *store.Agency, v *store.Version, level, url string, office []string) mail.Message {
	to := append([]string{v.SubmittedBy}, office...)
	return letter{To: to, Subject: "【逾期未审批】" + reportTitle(ag, v),
		Link: url, LinkLabel: "查看报告",
		Lines: []string{
			fmt.Sprintf("%s在「%s」多次催办后仍未审批，已退回（逾期未审批）。", reportTitle(ag, v), level),
			"请与审批人联系后重新提交。年度报告须在每年 1 月 31 日前公开。",
		}}.message()
}

func publishedMessage(ag *store.Agency, v *store.Version, to []string, url string) mail.Message {
	lines := []string{
		fmt.Sprintf("%s已审批通过并发布。", reportTitle(ag, v)),
		"公开网址：" + url,
	}
	if v.CorrectionReason != "" {
		lines = append(lines, "本版为更正版本，更正原因："+v.CorrectionReason+"。页面上列有更正记录。")
	}
	return letter{To: to, Subject: "【已发布】" + reportTitle(ag, v), Link: url, LinkLabel: "查看已发布的报告", Lines: lines}.message()
}

func failedMessage(ag *store.Agency, v *store.Version, to []string, step store.Step, published bool, url string) mail.Message {
	lines := []string{
		fmt.Sprintf("%s在「%s」步骤出错：%s。", reportTitle(ag, v), step.Name, step.Failed),
		"请联系系统管理员处理（详情见系统日志），处理后起草人可重新提交。",
	}
	if published {
		lines = []string{
			fmt.Sprintf("%s已发布，但「%s」未能发出：起草人和审批人没有收到发布通知。", reportTitle(ag, v), step.Name),
			"请联系系统管理员查看系统日志。",
		}
	}
	return letter{To: to, Subject: "【" + step.Failed + "】" + reportTitle(ag, v), Link: url, LinkLabel: "查看报告", Lines: lines}.message()
}
