"""End-to-end fixtures: the real Attune server, the fixture pages, and Chromium with the extension.

Everything is session-scoped so the suite starts one server and one browser. In CI (CI=true) a
missing Chromium or Playwright fails the tests instead of skipping them.
"""

import csv
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from functools import partial
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "extension"
PAGES = Path(__file__).resolve().parent / "pages"
CHROMIUM = os.environ.get("ATTUNE_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _unavailable(reason):
    if IN_CI:
        pytest.fail(f"e2e: {reason} (CI=true: a missing browser is a failure, not a skip)")
    pytest.skip(f"e2e: {reason}")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- model -------------------------------------------------------------------------------------

def _training_rows():
    """Our own labelled messages: the merged CSV (train split) if present, else the raw batches."""
    merged = ROOT / "training_data" / "messages.csv"
    if merged.exists():
        with merged.open(newline="", encoding="utf-8") as fh:
            return [(r["text"], r["label"]) for r in csv.DictReader(fh) if r.get("split", "train") == "train"]
    rows = []
    for path in sorted((ROOT / "training_data" / "raw").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                rows.append((r["text"], r["label"]))
    return rows


@pytest.fixture(scope="session")
def e2e_model_dir(tmp_path_factory):
    """The shipped model if it loads, else a small one trained from training_data (seconds, not minutes)."""
    from attune import model

    try:
        model.load()
        return None  # `attune serve` without --model serves the shipped default
    except Exception:
        pass
    per_label, texts, labels = defaultdict(int), [], []
    for text, label in _training_rows():
        if per_label[label] < 80:  # a balanced sample keeps training fast on a busy CI machine
            per_label[label] += 1
            texts.append(text)
            labels.append(label)
    if not texts:
        pytest.fail("e2e: no model/default and no training_data to train one from")
    m = model.train.fit(texts, labels, version="e2e", calibration_folds=0)
    return m.save(tmp_path_factory.mktemp("e2e-model"))


# --- the real server ---------------------------------------------------------------------------

def _wait_health(url, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"attune serve exited with {proc.returncode}: {proc.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/v1/health", timeout=2) as r:
                return json.load(r)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("attune serve did not answer /v1/health in time")


def _warm_up(url, token):
    """One analysis first: a fresh server process takes ~0.3 s for its first one (loading what the
    cues need), which would otherwise land on whichever browser test happens to ask first."""
    req = urllib.request.Request(
        f"{url}/v1/analyze/batch", data=json.dumps({"items": [{"id": "warm", "text": "Warming up, thanks!"}]}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()


@pytest.fixture(scope="session")
def attune_server(tmp_path_factory, e2e_model_dir):
    """`attune serve` on a free loopback port with a temporary ATTUNE_HOME."""
    home = tmp_path_factory.mktemp("attune-home")
    port = _free_port()
    env = {**os.environ, "ATTUNE_HOME": str(home), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", "from attune.cli import cli; cli()", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if e2e_model_dir:
        cmd += ["--model", str(e2e_model_dir)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        health = _wait_health(url, proc)
        token = (home / "token").read_text().strip()
        _warm_up(url, token)
        yield {"url": url, "token": token, "home": home, "model_version": health.get("model_version")}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- fixture pages -----------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve_pages():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(PAGES)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


@pytest.fixture(scope="session")
def pages_url():
    """Our fixture helpdesk pages, served from 127.0.0.1 on a free port."""
    httpd, url = _serve_pages()
    yield url
    httpd.shutdown()


FAMILIES = ("tabled", "chat", "mail", "bubbles", "cards")


@pytest.fixture(scope="session")
def family_urls():
    """Each helpdesk family on its own origin (127.0.0.1, its own port), as separate sites are."""
    servers = {family: _serve_pages() for family in FAMILIES}
    yield {family: url for family, (_, url) in servers.items()}
    for httpd, _ in servers.values():
        httpd.shutdown()


# --- Chromium with the extension ----------------------------------------------------------------

@pytest.fixture(scope="session")
def playwright_driver():
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def unpacked_extension(tmp_path_factory):
    """The extension as Chromium loads it (copied without node_modules and tools)."""
    ext = tmp_path_factory.mktemp("ext") / "extension"
    shutil.copytree(EXTENSION, ext, ignore=shutil.ignore_patterns("node_modules", "package*.json", "tools"))
    return ext


def launch(pw, profile, ext):
    """Chromium with the extension on a profile directory (the same directory = the same browser profile)."""
    return pw.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS + [f"--disable-extensions-except={ext}", f"--load-extension={ext}"],
        viewport={"width": 1000, "height": 800},
        accept_downloads=True,
    )


@pytest.fixture(scope="session")
def browser_context(playwright_driver, unpacked_extension, tmp_path_factory):
    """A persistent Chromium context with the unpacked extension."""
    context = launch(playwright_driver, tmp_path_factory.mktemp("profile"), unpacked_extension)
    try:
        yield context
    finally:
        context.close()


def worker_of(context):
    workers = context.service_workers
    return workers[0] if workers else context.wait_for_event("serviceworker", timeout=15000)


@pytest.fixture(scope="session")
def service_worker(browser_context):
    return worker_of(browser_context)


@pytest.fixture(scope="session")
def extension_id(browser_context, service_worker):
    ext_id = service_worker.url.split("/")[2]
    # Developer mode makes Chromium record the extension's runtime errors (checked at the end).
    page = browser_context.new_page()
    page.goto("chrome://extensions")
    page.evaluate("() => new Promise(r => chrome.developerPrivate.updateProfileConfiguration({inDeveloperMode: true}, r))")
    page.close()
    return ext_id


def pair_and_enable(context, extension_id, server, site_urls):
    """Pair through the options page like an agent would, and enable each site by its address."""
    page = context.new_page()
    page.goto(f"chrome-extension://{extension_id}/options.html")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#serverUrl", server["url"])
    page.fill("#token", server["token"])
    page.click("#save")
    page.wait_for_selector("#result[data-state=ok]")
    page.click("#test")
    # extension pages forbid eval, so wait with locators rather than wait_for_function
    page.locator("#result", has_text="Connected").wait_for(timeout=15000)
    result = page.text_content("#result")
    for url in site_urls:
        page.fill("#customUrl", url)
        page.click("#addCustom")
        page.locator("#sitesResult[data-state=ok]", has_text=url).wait_for()
    page.close()
    return result


@pytest.fixture(scope="session")
def paired(browser_context, extension_id, attune_server, pages_url, family_urls):
    """Paired, with the fixture site and the four helpdesk families enabled."""
    result = pair_and_enable(browser_context, extension_id, attune_server, [pages_url, *family_urls.values()])
    return {"test_connection": result}


@pytest.fixture()
def console_problems(browser_context):
    """Errors and warnings logged by pages (content scripts log into the page's console)."""
    problems = []

    def watch(page):
        page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))

    browser_context.on("page", watch)
    yield problems
    browser_context.remove_listener("page", watch)
