// The new-report page: says which format the chosen year takes, warns when another is
// chosen, and whether last year's report will fill in the carried-over numbers. The
// format names come from the page (the server writes them from shared/report).
const year = document.getElementById('year');
const format = document.getElementById('format');
const warn = document.getElementById('format-warn');
const note = document.getElementById('prefill-note');

function documentOf(id) {
  const o = [...format.options].find((x) => x.value === id);
  return o ? o.dataset.document : id;
}

function update() {
  const y = year.selectedOptions[0];
  if (!y) return;
  const want = y.dataset.format;
  const chosen = format.value;
  if (chosen && chosen !== want) {
    warn.textContent = `注意：${y.value} 年度报告应使用 ${documentOf(want)} 的格式，您选择的是 ${documentOf(chosen)} 的格式。校验时会提示格式与年度不符。`;
    warn.hidden = false;
  } else {
    warn.textContent = `${y.value} 年度报告使用 ${documentOf(want)} 的格式。`;
    warn.hidden = false;
  }
  warn.classList.toggle('warn', Boolean(chosen && chosen !== want));
  note.hidden = y.dataset.prefill !== '1';
}

if (year && format) {
  year.addEventListener('change', update);
  format.addEventListener('change', update);
  update();
}
