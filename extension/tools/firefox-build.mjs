// Firefox variant of the extension: Chromium warns about `background.scripts` and Firefox has no
// extension service workers, so the shipped manifest.json stays Chromium-clean and this copies the
// extension to build/firefox-extension/ with a background script and browser_specific_settings.
// Run: node extension/tools/firefox-build.mjs   (then: npx web-ext lint -s build/firefox-extension)
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const ext = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(ext, '..', 'build', 'firefox-extension');
const SKIP = new Set(['node_modules', 'package.json', 'package-lock.json', 'tools']);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(ext, out, { recursive: true, filter: (src) => !SKIP.has(path.relative(ext, src).split(path.sep)[0]) });

const manifest = JSON.parse(readFileSync(path.join(ext, 'manifest.json'), 'utf8'));
manifest.background = { scripts: [manifest.background.service_worker], type: 'module' };
delete manifest.minimum_chrome_version;
manifest.browser_specific_settings = {
  gecko: {
    id: 'attune@attune.local',
    strict_min_version: '142.0', // data_collection_permissions (desktop 140, Android 142)
    data_collection_permissions: { required: ['none'] },
  },
};
writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(`Firefox build written to ${out}`);
