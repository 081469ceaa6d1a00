// Toolbar popup: teach Attune the helpdesk in the current tab (asking for exactly its origin,
// port included), or open the options. The permission request needs this click's user gesture.
(function () {
  'use strict';
  const { MSG, originPattern, readSettings, answer, pageAllowed } = globalThis.Attune;
  const $ = (id) => document.getElementById(id);

  async function currentTab() {
    const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
    return tab;
  }

  async function requestOrigin(origin) {
    try {
      return await chrome.permissions.request({ origins: [originPattern(origin)] });
    } catch (_) {
      return chrome.permissions.request({ origins: [originPattern(origin, { port: false })] });
    }
  }

  async function teach() {
    const tab = await currentTab();
    const settings = await readSettings(chrome.storage.local);
    const url = new URL(tab.url);
    if (!/^https?:$/.test(url.protocol) || url.origin === new URL(settings.serverUrl).origin) {
      $('result').textContent = 'Attune can only learn web helpdesks.';
      return;
    }
    if (!pageAllowed(url, settings)) {
      if (!(await requestOrigin(url.origin))) {
        $('result').textContent = `${url.origin}: permission not granted.`;
        return;
      }
      await chrome.storage.local.set({ customSites: [...new Set([...settings.customSites, url.origin])] });
      answer.unwrap(await chrome.runtime.sendMessage({ type: MSG.SYNC_SITES }));
    }
    answer.unwrap(await chrome.runtime.sendMessage({ type: MSG.TEACH_TAB, tabId: tab.id }));
    window.close();
  }

  async function init() {
    const tab = await currentTab();
    const settings = await readSettings(chrome.storage.local);
    let text = 'Open your helpdesk in this tab to teach Attune to read it.';
    let web = false;
    try {
      const url = new URL(tab.url);
      web = /^https?:$/.test(url.protocol) && url.origin !== new URL(settings.serverUrl).origin;
      if (web) text = pageAllowed(url, settings) ? `Attune runs on ${url.origin}.` : `Attune is off on ${url.origin}.`;
    } catch (_) {
      /* no tab address (browser pages) */
    }
    $('where').textContent = text;
    $('teach').disabled = !web;
    $('teach').addEventListener('click', () => teach().catch((e) => ($('result').textContent = e.message)));
    $('options').addEventListener('click', () => chrome.runtime.openOptionsPage().then(() => window.close()));
  }
  init();
})();
