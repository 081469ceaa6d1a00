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

  // "https://help.example.com" or "http://127.0.0.1:8000/x" -> "https://help.example.com/*"
  // (Chrome match patterns carry no port: a host pattern covers every port.)
  root.originPattern = function originPattern(input) {
    let url;
    try {
      url = new URL(String(input).trim());
    } catch (_) {
      throw new Error('Enter a full address such as https://help.example.com');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('Only http and https sites can be enabled');
    return `${url.protocol}//${url.hostname}/*`;
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
