// Options page: pairing (server address + token, "Test connection") and which sites Attune runs on.
// Permission requests must come from this page: they need the click's user gesture.
(function () {
  'use strict';
  const { MSG, SITES, originPattern, readSettings, answer, rules: engine, learn } = globalThis.Attune;
  const $ = (id) => document.getElementById(id);
  const settings = () => readSettings(chrome.storage.local);

  function say(node, state, text) {
    node.dataset.state = state;
    node.textContent = text;
  }

  async function sync() {
    return answer.unwrap(await chrome.runtime.sendMessage({ type: MSG.SYNC_SITES })).patterns;
  }

  async function renderSites() {
    const s = await settings();
    const list = $('sites');
    list.replaceChildren();
    for (const site of SITES) {
      const li = document.createElement('li');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.id = `site-${site.id}`;
      box.checked = s.enabledSites.includes(site.id) && (await chrome.permissions.contains({ origins: site.matches }));
      box.addEventListener('change', () => toggleSite(site, box));
      const label = document.createElement('label');
      label.htmlFor = box.id;
      label.textContent = site.name;
      label.style.cssText = 'display:inline;margin:0;font-weight:normal';
      li.append(box, label);
      list.append(li);
    }
    const custom = $('customList');
    custom.replaceChildren();
    for (const origin of s.customSites) {
      const li = document.createElement('li');
      li.textContent = origin;
      const rm = document.createElement('button');
      rm.type = 'button';
      rm.textContent = 'Remove';
      rm.setAttribute('aria-label', `Remove ${origin}`);
      rm.addEventListener('click', () => removeCustom(origin));
      li.append(rm);
      custom.append(li);
    }
  }

  async function toggleSite(site, box) {
    const s = await settings();
    try {
      if (box.checked) {
        const granted = await chrome.permissions.request({ origins: site.matches });
        if (!granted) {
          box.checked = false;
          return say($('sitesResult'), 'denied', `${site.name}: permission not granted.`);
        }
        s.enabledSites = [...new Set([...s.enabledSites, site.id])];
      } else {
        s.enabledSites = s.enabledSites.filter((id) => id !== site.id);
        await chrome.permissions.remove({ origins: site.matches }).catch(() => false);
      }
      await chrome.storage.local.set({ enabledSites: s.enabledSites });
      await sync();
      say($('sitesResult'), 'ok', `${site.name} ${box.checked ? 'on — reload its tab' : 'off'}.`);
    } catch (e) {
      say($('sitesResult'), 'error', e.message);
    }
  }

  // Exactly this origin, port included; browsers whose patterns take no port get the host.
  async function requestOrigin(origin) {
    try {
      return await chrome.permissions.request({ origins: [originPattern(origin)] });
    } catch (_) {
      return chrome.permissions.request({ origins: [originPattern(origin, { port: false })] });
    }
  }

  async function addCustom(event) {
    event.preventDefault();
    const input = $('customUrl');
    let origin;
    try {
      originPattern(input.value);
      origin = new URL(input.value.trim()).origin;
    } catch (e) {
      return say($('sitesResult'), 'invalid', e.message);
    }
    if (origin === new URL((await settings()).serverUrl).origin) {
      return say($('sitesResult'), 'invalid', `${origin} is the Attune server itself, not a helpdesk.`);
    }
    const granted = await requestOrigin(origin);
    if (!granted) return say($('sitesResult'), 'denied', `${origin}: permission not granted.`);
    const s = await settings();
    await chrome.storage.local.set({ customSites: [...new Set([...s.customSites, origin])] });
    try {
      await sync();
      input.value = '';
      say($('sitesResult'), 'ok', `${origin} on — reload its tab.`);
    } catch (e) {
      say($('sitesResult'), 'error', e.message);
    }
    renderSites();
  }

  async function removeCustom(origin) {
    const s = await settings();
    await chrome.storage.local.set({ customSites: s.customSites.filter((o) => o !== origin) });
    await sync();
    say($('sitesResult'), 'ok', `${origin} off.`);
    renderSites();
  }

  // Taught rules: rename, test in the open tabs, delete; export and import as JSON.
  async function saveRules(rules) {
    return answer.unwrap(await chrome.runtime.sendMessage({ type: MSG.SAVE_RULES, rules })).rules;
  }

  async function renderRules() {
    const { siteRules } = await settings();
    const list = $('rules');
    list.replaceChildren();
    if (!siteRules.length) {
      const li = document.createElement('li');
      li.className = 'where';
      li.textContent = 'No taught helpdesks yet.';
      list.append(li);
    }
    for (const rule of siteRules) {
      const li = document.createElement('li');
      li.dataset.ruleId = rule.id;
      const name = document.createElement('input');
      name.value = rule.name;
      name.setAttribute('aria-label', 'Rule name');
      name.addEventListener('change', async () => {
        await saveRules([{ ...rule, name: name.value.trim() || rule.origin }]);
        say($('rulesResult'), 'ok', `Renamed to ${name.value.trim()}.`);
      });
      const where = document.createElement('div');
      where.className = 'where';
      where.textContent = `${rule.origin}${rule.path} · messages: ${rule.message}`;
      const buttons = document.createElement('div');
      buttons.className = 'buttons';
      const test = document.createElement('button');
      test.type = 'button';
      test.textContent = 'Test';
      test.addEventListener('click', () => testRule(rule));
      const del = document.createElement('button');
      del.type = 'button';
      del.textContent = 'Delete';
      del.setAttribute('aria-label', `Delete ${rule.name}`);
      del.addEventListener('click', async () => {
        answer.unwrap(await chrome.runtime.sendMessage({ type: MSG.DELETE_RULE, id: rule.id }));
        say($('rulesResult'), 'ok', `${rule.name} deleted.`);
        renderRules();
      });
      buttons.append(test, del);
      li.append(name, where, buttons);
      list.append(li);
    }
  }

  async function testRule(rule) {
    try {
      const tabs = answer.unwrap(await chrome.runtime.sendMessage({ type: MSG.TEST_RULE, rule }));
      if (!tabs.length) return say($('rulesResult'), 'ok', `Open a ticket on ${rule.origin} and press Test again.`);
      const lines = tabs.map((t) => `${t.title || t.url}: ${learn.countsText(t.counts)}`);
      say($('rulesResult'), 'ok', lines.join(' · '));
    } catch (e) {
      say($('rulesResult'), 'error', e.message);
    }
  }

  async function exportRules() {
    const { siteRules } = await settings();
    const blob = new Blob([JSON.stringify({ attuneRules: 1, rules: siteRules }, null, 2) + '\n'], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'attune-rules.json';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    say($('rulesResult'), 'ok', `${siteRules.length} rule${siteRules.length === 1 ? '' : 's'} exported.`);
  }

  // A selector this browser cannot parse is refused at import, not discovered on a ticket.
  const checkSelector = (sel) => document.createDocumentFragment().querySelector(sel);

  async function importRules() {
    const file = $('importRules').files[0];
    if (!file) return;
    try {
      const data = JSON.parse(await file.text());
      const rules = (Array.isArray(data) ? data : data.rules || []).map((r) => engine.validateRule(r, checkSelector));
      if (!rules.length) throw new Error('No rules in this file.');
      await saveRules(rules);
      const s = await settings();
      const off = [...new Set(rules.map((r) => r.origin))].filter((o) => !s.customSites.includes(o));
      say($('rulesResult'), 'ok', `${rules.length} rule${rules.length === 1 ? '' : 's'} imported.` + (off.length ? ` Enable ${off.join(', ')} above to use them.` : ''));
    } catch (e) {
      say($('rulesResult'), 'invalid', `Not imported: ${e.message}`);
    }
    $('importRules').value = '';
    renderRules();
  }

  function formValues() {
    return { serverUrl: $('serverUrl').value.trim().replace(/\/+$/, ''), token: $('token').value.trim() };
  }

  async function save(event) {
    event.preventDefault();
    const v = formValues();
    try {
      new URL(v.serverUrl);
    } catch (_) {
      return say($('result'), 'invalid', `Not a valid address: ${v.serverUrl}`);
    }
    await chrome.storage.local.set(v);
    await chrome.storage.session.remove(['offlineUntil', 'offlineBackoff']).catch(() => {});
    say($('result'), 'ok', 'Saved.');
  }

  async function test() {
    say($('result'), 'pending', 'Testing…');
    try {
      const data = answer.unwrap(await chrome.runtime.sendMessage({ type: MSG.TEST_CONNECTION, ...formValues() }));
      say($('result'), data.state, data.message);
    } catch (e) {
      say($('result'), 'error', e.message);
    }
  }

  async function init() {
    const s = await settings();
    $('serverUrl').value = s.serverUrl;
    $('token').value = s.token;
    $('pair').addEventListener('submit', save);
    $('test').addEventListener('click', test);
    $('draftMarks').checked = s.draftMarks !== false;
    $('draftMarks').addEventListener('change', (e) => chrome.storage.local.set({ draftMarks: e.target.checked }));
    $('custom').addEventListener('submit', addCustom);
    $('exportRules').addEventListener('click', exportRules);
    $('importRules').addEventListener('change', importRules);
    chrome.storage.onChanged.addListener((changes, area) => {
      if (area === 'local' && changes.siteRules) renderRules();
    });
    await renderSites();
    await renderRules();
    document.body.dataset.ready = 'true';
  }
  init();
})();
