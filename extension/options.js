// Options page: pairing (server address + token, "Test connection") and which sites Attune runs on.
// Permission requests must come from this page: they need the click's user gesture.
(function () {
  'use strict';
  const { MSG, DEFAULTS, SITES, originPattern } = globalThis.Attune;
  const $ = (id) => document.getElementById(id);

  async function settings() {
    return { ...DEFAULTS, ...(await chrome.storage.local.get(Object.keys(DEFAULTS))) };
  }

  function say(node, state, text) {
    node.dataset.state = state;
    node.textContent = text;
  }

  async function sync() {
    const res = await chrome.runtime.sendMessage({ type: MSG.SYNC_SITES });
    if (!res || !res.ok) throw new Error(res && res.error ? res.error.message : 'the extension did not answer');
    return res.data.patterns;
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

  async function addCustom(event) {
    event.preventDefault();
    const input = $('customUrl');
    let pattern;
    let origin;
    try {
      pattern = originPattern(input.value);
      origin = new URL(input.value.trim()).origin;
    } catch (e) {
      return say($('sitesResult'), 'invalid', e.message);
    }
    const granted = await chrome.permissions.request({ origins: [pattern] });
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
    const res = await chrome.runtime.sendMessage({ type: MSG.TEST_CONNECTION, ...formValues() });
    if (!res || !res.ok) return say($('result'), 'error', res && res.error ? res.error.message : 'The extension did not answer.');
    say($('result'), res.data.state, res.data.message);
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
    await renderSites();
    document.body.dataset.ready = 'true';
  }
  init();
})();
