// Helpdesks the agent can switch on in the options page. `matches` are the optional host
// permissions requested when a site is enabled; the same patterns register the content scripts.
(function () {
  'use strict';
  const root = (globalThis.Attune = globalThis.Attune || {});
  root.SITES = Object.freeze([
    { id: 'zendesk', name: 'Zendesk Agent Workspace', matches: ['https://*.zendesk.com/*'] },
    { id: 'freshdesk', name: 'Freshdesk', matches: ['https://*.freshdesk.com/*'] },
    { id: 'helpscout', name: 'Help Scout', matches: ['https://secure.helpscout.net/*'] },
    {
      id: 'zoho',
      name: 'Zoho Desk',
      matches: ['https://desk.zoho.com/*', 'https://desk.zoho.eu/*', 'https://desk.zoho.in/*', 'https://desk.zoho.com.au/*'],
    },
    { id: 'jsm', name: 'Jira Service Management', matches: ['https://*.atlassian.net/*'] },
    { id: 'intercom', name: 'Intercom inbox', matches: ['https://app.intercom.com/*'] },
    { id: 'gmail', name: 'Gmail', matches: ['https://mail.google.com/*'] },
  ]);

  // "https://help.example.com" or "http://127.0.0.1:8800/x" -> "http://127.0.0.1:8800/*": the
  // exact origin, port included, so enabling one local helpdesk does not enable every local port.
  // {port: false} drops it, for browsers whose match patterns take no port (Firefox); there the
  // content script checks the origin itself (pageAllowed).
  root.originPattern = function originPattern(input, { port = true } = {}) {
    let url;
    try {
      url = new URL(String(input).trim());
    } catch (_) {
      throw new Error('Enter a full address such as https://help.example.com');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('Only http and https sites can be enabled');
    return `${url.protocol}//${port ? url.host : url.hostname}/*`;
  };

  // Does a match pattern ("https://*.zendesk.com/*", "http://127.0.0.1:8800/*") cover a location?
  function patternCovers(pattern, loc) {
    const m = /^(https?|\*):\/\/([^/]+)(\/.*)$/.exec(pattern);
    if (!m || (m[1] !== '*' && `${m[1]}:` !== loc.protocol)) return false;
    const host = m[2];
    const [name, port] = host.startsWith('[') ? [host, ''] : host.split(':');
    if (port && port !== (loc.port || (loc.protocol === 'https:' ? '443' : '80'))) return false;
    const hostOk = name === '*' || loc.hostname === name || (name.startsWith('*.') && loc.hostname.endsWith(name.slice(1)));
    return hostOk && root.rules.pathMatches(m[3], loc.pathname);
  }

  // The content script's own check, whatever the browser registered it for: never on Attune's
  // server, and only on an enabled site (a custom one by its exact origin).
  root.pageAllowed = function pageAllowed(loc, settings) {
    let server = null;
    try {
      server = new URL(settings.serverUrl).origin;
    } catch (_) {
      /* no valid server address: nothing to exclude */
    }
    if (loc.origin === server) return false;
    if ((settings.customSites || []).includes(loc.origin)) return true;
    return root.SITES.some((s) => (settings.enabledSites || []).includes(s.id) && s.matches.some((p) => patternCovers(p, loc)));
  };

  // Match patterns of every enabled site, deduplicated.
  root.enabledPatterns = function enabledPatterns(enabledSites, customSites) {
    const out = new Set();
    for (const site of root.SITES) if ((enabledSites || []).includes(site.id)) site.matches.forEach((m) => out.add(m));
    for (const custom of customSites || []) {
      try {
        out.add(root.originPattern(custom));
      } catch (_) {
        /* invalid entries are rejected by the options page; ignore leftovers */
      }
    }
    return [...out];
  };
})();
