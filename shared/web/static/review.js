// The review page works as a plain form; this only answers at once what the server
// would answer after a round trip (a return needs a comment, an approval at a level with
// 保密审查 needs the attestation), and keeps a second click from posting twice.
const form = document.getElementById('decision');
if (form) {
  const comment = document.getElementById('comment');
  const attest = document.getElementById('attest');
  let sent = false;

  const say = (id, text, field) => {
    const p = document.getElementById(id);
    if (!p) return;
    p.textContent = text;
    p.hidden = !text;
    if (field) {
      if (text) field.setAttribute('aria-invalid', 'true');
      else field.removeAttribute('aria-invalid');
    }
  };

  form.addEventListener('submit', (e) => {
    const decision = e.submitter ? e.submitter.value : '';
    say('comment-msg', '', comment);
    say('attest-msg', '', attest);
    if (decision === 'return' && comment.value.trim() === '') {
      e.preventDefault();
      say('comment-msg', comment.dataset.msg, comment);
      comment.focus();
      return;
    }
    if (decision === 'approve' && attest && !attest.checked) {
      e.preventDefault();
      say('attest-msg', attest.dataset.msg, attest);
      attest.focus();
      return;
    }
    if (sent) {
      e.preventDefault();
      return;
    }
    sent = true;
    form.setAttribute('aria-busy', 'true');
  });
}
