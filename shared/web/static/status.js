// The status page: withdrawing a report from review (the API's …/withdraw).
const btn = document.getElementById('withdraw-btn');
if (btn) {
  btn.addEventListener('click', async () => {
    if (!window.confirm('撤回后本版审批即停止，报告回到草稿，修改后可重新提交。确定撤回吗？')) return;
    const err = document.getElementById('status-error');
    btn.disabled = true;
    try {
      const res = await fetch(`/api/reports/${encodeURIComponent(btn.dataset.agency)}/${btn.dataset.year}/withdraw`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
      });
      if (res.ok) {
        window.location.reload();
        return;
      }
      const body = await res.json().catch(() => ({}));
      err.textContent = body.error || `撤回失败（${res.status}）。`;
      err.hidden = false;
    } catch (e) {
      err.textContent = '无法连接服务器，请稍后再试。';
      err.hidden = false;
    }
    btn.disabled = false;
  });
}
