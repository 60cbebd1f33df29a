// The drafting form. The page is laid out by the server from the report format; this
// script only reads data- attributes: a cell's table, row and column, and for a computed
// cell the cells it adds up. It computes the totals as the clerk types, asks the server
// for the findings (the same validator that guards submission), saves with If-Match, and
// never loses a clerk's work: a copy waits in localStorage until the server has it.

const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const INTEGER = /^-?(0|[1-9][0-9]*)$/;
const CHECK_DELAY = 300; // ms after the last keystroke
const SAVE_DELAY = 3000; // ms after the last change

const form = document.getElementById('report-form');
if (form) start(form);

// normalize turns what a clerk types on a Chinese keyboard into a plain number: full-width
// digits, the full-width minus and point, spaces, and leading zeros.
export function normalize(s) {
  return s
    .replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xFF10 + 48))
    .replace(/[\uFF0E]/g, '.')
    .replace(/[\uFF0D\u2212]/g, '-')
    .replace(/\s+/g, '')
    .replace(/^(-?)0+(?=[0-9])/, '$1');
}

// parseExact reads a report document keeping every number as the text it was written
// with (an amount of 1.10 stays 1.10), where the browser can tell.
function parseExact(text) {
  return JSON.parse(text, (key, value, ctx) =>
    typeof value === 'number' && ctx && typeof ctx.source === 'string' ? ctx.source : value);
}

function start(form) {
  const $ = (id) => document.getElementById(id);
  const agency = form.dataset.agency;
  const year = Number(form.dataset.year);
  const api = `/api/reports/${encodeURIComponent(agency)}/${year}`;
  const storeKey = `nianbao:draft:${agency}:${year}`;
  const correction = form.dataset.correction === '1';

  const cells = [...form.querySelectorAll('input.cell')];
  const byPath = new Map(cells.map((c) => [cellPath(c), c]));
  const computed = cells.filter((c) => c.dataset.sum);
  const editable = cells.filter((c) => !c.dataset.sum);
  const sections = [...form.querySelectorAll('textarea[data-section]')];
  const notes = [...form.querySelectorAll('textarea[data-note]')];
  for (const t of sections) byPath.set('sections.' + t.dataset.section, t);
  for (const t of notes) byPath.set('notes.' + t.dataset.note, t);
  // The parts around the sections: the title as printed, the 落款, the units of amounts.
  const titleEl = form.querySelector('input[data-field="title"]');
  const signature = [...form.querySelectorAll('input[data-signature]')];
  const units = [...form.querySelectorAll('select[data-unit]')];
  if (titleEl) byPath.set('title', titleEl);
  for (const u of units) byPath.set('units.' + u.dataset.unit, u);

  const saveBtn = $('save-btn');
  const submitBtn = $('submit-btn');
  const saveState = $('save-state');
  const submitWhy = $('submit-why');
  const formError = $('form-error');
  const reasonEl = $('correction-reason');

  let etag = form.dataset.etag;
  let savedJSON = ''; // the document as the server last had it
  let findings = [];
  let localErrors = [];
  let checkSeq = 0;
  let checkTimer = 0;
  let saveTimer = 0;
  let saving = null;
  let inConflict = false;
  let checked = false;
  let submitting = false;

  function cellPath(c) {
    return `${c.dataset.table}.${c.dataset.row}.${c.dataset.col}`;
  }

  // computeTotals fills the read-only 总计 cells. Page order is enough: the server lists
  // every addend before the cell that adds it.
  function computeTotals() {
    for (const c of computed) {
      let sum = 0;
      let ok = true;
      for (const p of c.dataset.sum.split(' ')) {
        const v = normalize(byPath.get(p).value);
        if (v === '') continue;
        if (!INTEGER.test(v) || v.length > 15) {
          ok = false;
          break;
        }
        sum += Number(v);
      }
      c.value = ok ? String(sum) : '';
    }
  }

  // buildDoc writes the document as the API takes it, numbers exactly as typed. Cells
  // that are not numbers at all are left out and listed: the server could not read them.
  function buildDoc() {
    const grids = { proactive: new Map(), requests: new Map(), appeals: new Map() };
    const bad = [];
    for (const c of cells) {
      const v = normalize(c.value);
      if (v === '') continue;
      if (!NUMBER.test(v) || v.length > 40) {
        bad.push(c);
        continue;
      }
      const g = grids[c.dataset.table];
      if (!g.has(c.dataset.row)) g.set(c.dataset.row, []);
      g.get(c.dataset.row).push(JSON.stringify(c.dataset.col) + ':' + v);
    }
    const text = {};
    for (const t of sections) text[t.dataset.section] = t.value;
    const note = {};
    for (const t of notes) if (t.value.trim() !== '') note[t.dataset.note] = t.value;
    let json = '{"format":' + JSON.stringify(form.dataset.format) +
      ',"agency":' + JSON.stringify(form.dataset.agencyName) +
      ',"year":' + year +
      (titleEl && titleEl.value.trim() !== '' ? ',"title":' + JSON.stringify(titleEl.value) : '') +
      ',"sections":' + JSON.stringify(text);
    for (const key of ['proactive', 'requests', 'appeals']) {
      const rows = [];
      for (const [row, cols] of grids[key]) rows.push(JSON.stringify(row) + ':{' + cols.join(',') + '}');
      json += ',' + JSON.stringify(key) + ':{' + rows.join(',') + '}';
    }
    json += ',"notes":' + JSON.stringify(note);
    const printed = printedTexts();
    if (printed.length > 0) json += ',"printed":{' + printed.join(',') + '}';
    const unit = units.filter((u) => u.value !== '').map((u) => JSON.stringify(u.dataset.unit) + ':' + JSON.stringify(u.value));
    if (unit.length > 0) json += ',"units":{' + unit.join(',') + '}';
    const sig = {};
    for (const i of signature) if (i.value.trim() !== '') sig[i.dataset.signature] = i.value;
    if (Object.keys(sig).length > 0) json += ',"signature":' + JSON.stringify(sig);
    return { json: json + '}', bad };
  }

  // --- texts printed in cells ------------------------------------------------------------

  // printedTexts lists the cells' printed texts as JSON members, in page order; a cell
  // chosen twice keeps its last text.
  function printedTexts() {
    const byCell = new Map();
    for (const li of form.querySelectorAll('.printed-entry')) {
      const text = li.querySelector('.printed-text').value;
      const path = li.querySelector('.printed-cell').value;
      if (text.trim() !== '') byCell.set(path, text);
    }
    return [...byCell].map(([p, t]) => JSON.stringify(p) + ':' + JSON.stringify(t));
  }

  function addPrinted(table, path, text) {
    const list = form.querySelector(`.printed-list[data-table="${table}"]`);
    const tpl = list.parentElement.querySelector('template.printed-new');
    const li = tpl.content.firstElementChild.cloneNode(true);
    if (path) li.querySelector('.printed-cell').value = path;
    li.querySelector('.printed-text').value = text || '';
    list.append(li);
    return li;
  }

  form.addEventListener('click', (e) => {
    const add = e.target.closest('.printed-add');
    if (add) {
      const li = addPrinted(add.dataset.table);
      li.querySelector('.printed-cell').focus();
      return;
    }
    const remove = e.target.closest('.printed-remove');
    if (remove) {
      remove.closest('.printed-entry').remove();
      changed();
    }
  });

  // loadDoc puts a document (parsed with parseExact) into the form.
  function loadDoc(doc) {
    for (const c of editable) {
      const v = doc[c.dataset.table]?.[c.dataset.row]?.[c.dataset.col];
      c.value = v == null ? '' : String(v);
    }
    for (const t of sections) t.value = doc.sections?.[t.dataset.section] ?? '';
    for (const t of notes) t.value = doc.notes?.[t.dataset.note] ?? '';
    if (titleEl) titleEl.value = doc.title ?? '';
    for (const i of signature) i.value = doc.signature?.[i.dataset.signature] ?? '';
    for (const u of units) u.value = doc.units?.[u.dataset.unit] ?? '';
    for (const li of form.querySelectorAll('.printed-entry')) li.remove();
    for (const [path, text] of Object.entries(doc.printed ?? {})) {
      const table = path.split('.')[0];
      if (form.querySelector(`.printed-list[data-table="${table}"]`)) addPrinted(table, path, text);
    }
    computeTotals();
  }

  function setState(text, kind = '') {
    saveState.textContent = text;
    saveState.className = 'save-state ' + kind;
  }

  function showError(text) {
    formError.hidden = !text;
    formError.textContent = text || '';
  }

  function now() {
    return new Date().toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  // --- findings --------------------------------------------------------------------

  function labelOf(el) {
    if (el.matches('input.cell, select[data-unit]')) return el.getAttribute('aria-label');
    const l = document.querySelector(`label[for="${el.id}"]`);
    return l ? l.textContent.trim() : '';
  }

  function clearMarks() {
    for (const m of form.querySelectorAll('.cell-msg')) m.remove();
    for (const el of form.querySelectorAll('[aria-invalid], .has-warning')) {
      el.removeAttribute('aria-invalid');
      el.classList.remove('has-warning');
      el.removeAttribute('aria-describedby');
    }
  }

  function mark(el, f) {
    const id = 'm-' + el.id;
    let msg = document.getElementById(id);
    if (!msg) {
      msg = document.createElement('span');
      msg.id = id;
      msg.className = 'cell-msg';
      el.insertAdjacentElement('afterend', msg);
      el.setAttribute('aria-describedby', id);
    }
    const line = document.createElement('span');
    line.className = f.severity === 'error' ? 'msg-error' : 'msg-warning';
    line.textContent = f.message;
    msg.append(line);
    if (f.severity === 'error') {
      el.setAttribute('aria-invalid', 'true');
      msg.setAttribute('role', 'alert');
    } else {
      el.classList.add('has-warning');
    }
  }

  function listItem(f) {
    const li = document.createElement('li');
    const el = byPath.get(f.path);
    if (el) {
      const a = document.createElement('a');
      a.href = '#' + el.id;
      a.textContent = f.message;
      a.addEventListener('click', (e) => {
        e.preventDefault();
        el.scrollIntoView({ block: 'center' });
        el.focus({ preventScroll: true });
      });
      li.append(a);
    } else {
      li.textContent = f.message;
    }
    return li;
  }

  function renderFindings() {
    const all = [...localErrors, ...findings];
    clearMarks();
    for (const f of all) {
      const el = byPath.get(f.path);
      if (el) mark(el, f);
    }
    const errors = all.filter((f) => f.severity === 'error');
    const warnings = all.filter((f) => f.severity !== 'error');
    const box = $('findings');
    box.hidden = all.length === 0;
    const fill = (holder, list, title) => {
      holder.replaceChildren();
      if (list.length === 0) return;
      const h = document.createElement('h3');
      h.textContent = title;
      const ul = document.createElement('ul');
      for (const f of list) ul.append(listItem(f));
      holder.append(h, ul);
    };
    fill($('findings-errors'), errors, `${errors.length} 处错误，改正后才能提交`);
    fill($('findings-warnings'), warnings, `${warnings.length} 条提示（不影响提交）`);
    box.classList.toggle('ok', errors.length === 0);
    updateSubmit();
  }

  function updateSubmit() {
    const errors = localErrors.length + findings.filter((f) => f.severity === 'error').length;
    let why = '';
    if (!checked) why = '正在校验……';
    else if (errors > 0) why = `有 ${errors} 处错误，改正后才能提交。`;
    else if (inConflict) why = '请先处理与他人修改的冲突。';
    submitBtn.disabled = why !== '' || submitting;
    submitWhy.textContent = why;
  }

  function localFindings(bad) {
    return bad.map((c) => ({
      rule: 'cell.type', severity: 'error', path: cellPath(c),
      message: `${c.getAttribute('aria-label')}应填数字，实填「${c.value}」。`,
    }));
  }

  async function check() {
    const seq = ++checkSeq;
    const { json, bad } = buildDoc();
    localErrors = localFindings(bad);
    try {
      const res = await fetch(api + '/check', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: json });
      const body = await res.json();
      if (seq !== checkSeq) return; // a newer check is on its way
      if (res.ok) {
        findings = body.findings || [];
      } else if (body.path) {
        findings = [{ rule: 'document.shape', severity: 'error', path: body.path, message: body.error }];
      } else {
        showError(body.error || '校验失败。');
      }
      checked = true;
      renderFindings();
    } catch (err) {
      if (seq === checkSeq) setState('无法连接服务器，稍后自动重试。', 'error');
    }
  }

  function scheduleCheck() {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, CHECK_DELAY);
  }

  // --- saving ----------------------------------------------------------------------

  function isDirty() {
    return buildDoc().json !== savedJSON;
  }

  function keepLocal(json, base) {
    try {
      localStorage.setItem(storeKey, JSON.stringify({ json, etag: base, at: new Date().toISOString() }));
    } catch (err) { /* private mode or full: the server copy is all we have */ }
  }

  function dropLocal() {
    try { localStorage.removeItem(storeKey); } catch (err) { /* see keepLocal */ }
  }

  // retryAfterSeconds reads a 503's Retry-After (seconds), within 1–60; 5 without one.
  function retryAfterSeconds(res) {
    const n = Number.parseInt(res.headers.get('Retry-After') || '', 10);
    return Number.isFinite(n) ? Math.min(60, Math.max(1, n)) : 5;
  }

  function scheduleSave(delay = SAVE_DELAY) {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => save(), delay);
  }

  async function save() {
    clearTimeout(saveTimer);
    if (inConflict) return false;
    if (saving) {
      await saving;
      if (!isDirty()) return true;
    }
    const { json, bad } = buildDoc();
    if (bad.length > 0) {
      setState('有格子不是数字，改正后才能保存（修改已暂存在本浏览器）。', 'error');
      return false;
    }
    if (json === savedJSON) {
      setState(`已保存 ${now()}`, 'ok');
      return true;
    }
    setState('正在保存……');
    saving = (async () => {
      let res;
      try {
        res = await fetch(api, { method: 'PUT', headers: { 'Content-Type': 'application/json', 'If-Match': etag }, body: json });
      } catch (err) {
        setState('保存失败：无法连接服务器（修改已暂存在本浏览器）。', 'error');
        scheduleSave();
        return false;
      }
      const text = await res.text();
      if (res.ok) {
        const body = JSON.parse(text);
        etag = body.etag;
        savedJSON = json;
        if (!isDirty()) dropLocal();
        setState(`已保存 ${now()}`, 'ok');
        showError('');
        return true;
      }
      let body = {};
      try { body = parseExact(text); } catch (err) { /* not JSON */ }
      if (res.status === 412 && body.draft) {
        showConflict(json, text, body);
        return false;
      }
      if (res.status === 503) {
        // Busy for a moment (the answer says how long): save again then; the text stays.
        const wait = retryAfterSeconds(res);
        setState(`系统繁忙，${wait} 秒后自动重新保存（修改已暂存在本浏览器，不会丢失）。`);
        scheduleSave(wait * 1000);
        return false;
      }
      if (res.status === 401) {
        setState('登录已过期，修改已暂存在本浏览器。请在新标签页重新登录后再保存。', 'error');
      } else {
        setState('没有保存。', 'error');
        showError(body.error || `保存失败（${res.status}）。`);
      }
      return false;
    })();
    try {
      return await saving;
    } finally {
      saving = null;
    }
  }

  function changed() {
    computeTotals();
    const { json } = buildDoc();
    if (json !== savedJSON) {
      keepLocal(json, etag);
      if (!inConflict) setState('有未保存的修改');
      scheduleSave();
    }
    scheduleCheck();
  }

  // --- a save that lost the race ----------------------------------------------------

  function valueIn(doc, el) {
    if (el.matches('input.cell')) {
      const v = doc[el.dataset.table]?.[el.dataset.row]?.[el.dataset.col];
      return v == null ? '' : String(v);
    }
    if (el.dataset.section) return doc.sections?.[el.dataset.section] ?? '';
    if (el.dataset.field) return doc[el.dataset.field] ?? '';
    if (el.dataset.signature) return doc.signature?.[el.dataset.signature] ?? '';
    if (el.dataset.unit) return doc.units?.[el.dataset.unit] ?? '';
    return doc.notes?.[el.dataset.note] ?? '';
  }

  function download(a, json, name) {
    let pretty = json;
    try { pretty = JSON.stringify(JSON.parse(json), null, 2); } catch (err) { /* keep as is */ }
    a.href = URL.createObjectURL(new Blob([pretty], { type: 'application/json' }));
    a.download = name;
  }

  function showConflict(mineJSON, theirsText, body) {
    inConflict = true;
    clearTimeout(saveTimer);
    const mine = parseExact(mineJSON);
    const theirs = body.draft;
    try {
      localStorage.setItem(storeKey + ':mine', mineJSON);
      localStorage.setItem(storeKey + ':theirs', JSON.stringify(theirs));
    } catch (err) { /* see keepLocal */ }
    const rows = $('conflict-rows');
    rows.replaceChildren();
    for (const el of [...(titleEl ? [titleEl] : []), ...sections, ...editable, ...units, ...notes, ...signature]) {
      const a = valueIn(mine, el);
      const b = valueIn(theirs, el);
      if (a === b) continue;
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = labelOf(el);
      const td1 = document.createElement('td');
      const td2 = document.createElement('td');
      td1.className = td2.className = 'differs';
      td1.textContent = a === '' ? '（空）' : a;
      td2.textContent = b === '' ? '（空）' : b;
      tr.append(th, td1, td2);
      rows.append(tr);
    }
    $('conflict-msg').textContent = body.error;
    download($('dl-mine'), mineJSON, `${agency}-${year}-我的版本.json`);
    download($('dl-theirs'), JSON.stringify(theirs), `${agency}-${year}-对方的版本.json`);
    const box = $('conflict');
    box.hidden = false;
    box.scrollIntoView({ block: 'start' });
    $('keep-mine').focus({ preventScroll: true });
    setState('没有保存：报告已被别人修改。', 'error');
    updateSubmit();

    $('keep-mine').onclick = async () => {
      etag = body.etag;
      inConflict = false;
      box.hidden = true;
      await save();
      updateSubmit();
    };
    $('take-theirs').onclick = () => {
      loadDoc(theirs);
      etag = body.etag;
      savedJSON = buildDoc().json;
      inConflict = false;
      box.hidden = true;
      dropLocal();
      setState('已改用对方的版本；您的版本仍暂存在本浏览器，可在上方下载。', 'ok');
      box.hidden = true;
      scheduleCheck();
      updateSubmit();
    };
  }

  // --- submitting -------------------------------------------------------------------

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (submitBtn.disabled) return;
    showError('');
    let reason = '';
    if (correction) {
      reason = reasonEl.value.trim();
      if (reason === '') {
        showError('本报告已发布，提交更正版本须填写更正原因。');
        reasonEl.setAttribute('aria-invalid', 'true');
        reasonEl.focus();
        return;
      }
      reasonEl.removeAttribute('aria-invalid');
    }
    submitting = true;
    updateSubmit();
    try {
      if (!(await save())) return;
      setState('正在提交……');
      // If-Match: the version submitted is the draft this clerk saved and checked, not one
      // another tab or clerk saved in between.
      const res = await fetch(api + '/submit', {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'If-Match': etag },
        body: JSON.stringify(correction ? { correction_reason: reason } : {}),
      });
      const body = await res.json().catch(() => ({}));
      if (res.status === 202) {
        dropLocal();
        savedJSON = buildDoc().json;
        setState('已提交审批。', 'ok');
        window.location.assign(form.dataset.statusUrl);
        return;
      }
      setState('没有提交。', 'error');
      showError(body.error || `提交失败（${res.status}）。`);
      if (body.findings) {
        findings = body.findings;
        renderFindings();
      }
    } finally {
      submitting = false;
      updateSubmit();
    }
  });

  // --- typing -------------------------------------------------------------------------

  form.addEventListener('input', (e) => {
    if (e.target === reasonEl) return;
    changed();
  });
  form.addEventListener('change', (e) => {
    if (e.target.matches('input.cell') && !e.target.readOnly) {
      const v = normalize(e.target.value);
      if (v !== e.target.value && (v === '' || NUMBER.test(v))) {
        e.target.value = v;
        changed();
      }
    }
    if (e.target !== reasonEl && !inConflict && isDirty()) scheduleSave(300); // leaving a field saves soon
  });
  for (const c of editable) {
    // A cell holds 0 to start: typing replaces it rather than making 05.
    c.addEventListener('focus', () => c.select());
  }
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.matches('input:not(.cell)')) {
      e.preventDefault(); // a line of text: Enter must not submit the report
    }
    if (e.key === 'Enter' && e.target.matches('input.cell')) {
      // Enter moves on, as in a spreadsheet; it must not submit the report.
      e.preventDefault();
      const i = editable.indexOf(e.target);
      const next = editable[i + (e.shiftKey ? -1 : 1)];
      if (next) next.focus();
    }
    if ((e.ctrlKey || e.metaKey) && e.key === 's') {
      e.preventDefault();
      save();
    }
  });
  saveBtn.addEventListener('click', () => save());

  window.addEventListener('beforeunload', (e) => {
    if (isDirty() || saving) {
      e.preventDefault();
      e.returnValue = '';
    }
  });

  // --- start ----------------------------------------------------------------------------

  computeTotals();
  savedJSON = buildDoc().json;
  setState('已保存');
  let stored = null;
  try { stored = JSON.parse(localStorage.getItem(storeKey) || 'null'); } catch (err) { stored = null; }
  if (stored && stored.json && stored.json !== savedJSON) {
    const box = $('restore');
    const at = new Date(stored.at).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' });
    $('restore-msg').textContent = `本浏览器中有一份 ${at}（北京时间）未保存的修改。`;
    box.hidden = false;
    $('restore-yes').onclick = () => {
      box.hidden = true;
      loadDoc(parseExact(stored.json));
      // Saved against the revision it was made from: if the draft moved on since, the
      // clerk sees both versions instead of overwriting.
      etag = stored.etag || etag;
      changed();
      save();
    };
    $('restore-no').onclick = () => {
      box.hidden = true;
      dropLocal();
    };
  } else if (stored) {
    dropLocal();
  }
  updateSubmit();
  check();
}
