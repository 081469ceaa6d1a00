// The manifest asks for the fewest permissions, every file it and the service worker name exists,
// and the Firefox variant differs only where Firefox needs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { loadAttune } from './helpers.mjs';

const ext = new URL('../../extension/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', ext), 'utf8'));
const A = await loadAttune();
const { CONTENT_FILES } = await import('../../extension/sw-sites.js');

test('only storage, scripting, context menu, activeTab and the loopback server', () => {
  assert.deepEqual([...manifest.permissions].sort(), ['activeTab', 'contextMenus', 'scripting', 'storage']);
  assert.deepEqual(manifest.host_permissions, ['http://127.0.0.1/*']);
  assert.equal(manifest.content_scripts, undefined); // registered per enabled site instead
});

test('every helpdesk pattern is an optional permission', () => {
  for (const site of A.SITES) for (const m of site.matches) assert.ok(manifest.optional_host_permissions.includes(m), m);
});

test('Chromium manifest: a module service worker and no background.scripts (Chromium warns about it)', () => {
  assert.deepEqual(manifest.background, { service_worker: 'sw.js', type: 'module' });
});

test('every referenced file exists', () => {
  const files = [
    manifest.background.service_worker,
    manifest.options_ui.page,
    ...Object.values(manifest.icons),
    ...CONTENT_FILES,
    'content/generic.js',
    'options.js',
    manifest.action.default_popup,
    'popup.js',
    'options.css',
  ];
  for (const f of files) assert.ok(existsSync(new URL(f, ext)), f);
});

test('the Firefox build uses background scripts and a gecko id', () => {
  execFileSync(process.execPath, [new URL('tools/firefox-build.mjs', ext).pathname], { stdio: 'pipe' });
  const out = new URL('../../build/firefox-extension/', import.meta.url);
  const ff = JSON.parse(readFileSync(new URL('manifest.json', out), 'utf8'));
  assert.deepEqual(ff.background, { scripts: ['sw.js'], type: 'module' });
  assert.equal(ff.browser_specific_settings.gecko.id, 'attune@attune.local');
  assert.deepEqual(ff.permissions, manifest.permissions);
  assert.ok(existsSync(new URL('content/main.js', out)));
  assert.ok(!existsSync(new URL('node_modules', out)));
});
