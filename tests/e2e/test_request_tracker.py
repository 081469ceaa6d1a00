"""Teaching Attune a real open-source helpdesk: Request Tracker 5 (Debian's request-tracker5, SQLite).

RT draws a requester's message and a staff reply with the same markup; only the author differs.
The taught rule matches each message's author against the ticket's "Requestors" box.

Skips, saying why, when RT is not installed (it is not a Python or npm dependency; on Debian:
`apt-get install request-tracker5 rt5-db-sqlite`, about 150 packages).
"""

import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import _free_port, pair_and_enable
from .test_teach import HINTED_TEXTS, SLOW_MS, TIMING_SCRIPT, settle_latency

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
DOCS = HERE.parents[1] / "docs"
RT_SERVER = os.environ.get("ATTUNE_RT_SERVER", "/usr/share/request-tracker5/libexec/rt-server")
RT_SETUP = shutil.which("rt-setup-database-5") or shutil.which("rt-setup-database")
PASSWORD = "attune-e2e"
# what rt_seed.pl writes: per ticket, the requester's two messages
REQUESTER = {
    1: ["I was charged twice", "Third week and the money"],
    2: ["Password reset mails never arrive", "I'm back in."],
    3: ["Where is the export button?", "Found it, thanks."],
}


@pytest.fixture(scope="module")
def rt_url(tmp_path_factory):
    if not (Path(RT_SERVER).exists() and RT_SETUP):
        pytest.skip(f"Request Tracker is not installed (no {RT_SERVER} or rt-setup-database): "
                    "apt-get install request-tracker5 rt5-db-sqlite")
    home = tmp_path_factory.mktemp("rt")
    port = _free_port()
    (home / "confd").mkdir()
    config = home / "RT_SiteConfig.pm"
    config.write_text(f"""
Set($rtname, 'attune-e2e');
Set($WebPath, '');
Set($WebDomain, '127.0.0.1');
Set($WebPort, {port});
Set($WebBaseURL, 'http://127.0.0.1:{port}');
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '{home / "rtdb"}');
Set($LogToSTDERR, 'error');
Set($LogToSyslog, undef);
1;
""")
    # our config only, not the system's RT_SiteConfig.d
    env = {**os.environ, "RT_SITE_CONFIG": str(config), "RT_SITE_CONFIG_DIR": str(home / "confd")}
    subprocess.run([RT_SETUP, "--action", "init", "--skip-create"], env=env, check=True, capture_output=True, timeout=120)
    subprocess.run(["perl", str(HERE / "rt_seed.pl"), PASSWORD], env=env, check=True, capture_output=True, timeout=120)
    proc = subprocess.Popen([RT_SERVER, "--port", str(port)], env=env, cwd=home,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("rt-server did not start")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_teach_request_tracker_then_requester_messages_have_hints_and_staff_ones_do_not(
        browser_context, extension_id, attune_server, paired, rt_url):
    pair_and_enable(browser_context, extension_id, attune_server, [rt_url])
    browser_context.add_init_script(TIMING_SCRIPT)
    page = browser_context.new_page()
    page.goto(f"{rt_url}/")
    page.fill("input[name=user]", "root")
    page.fill("input[name=pass]", PASSWORD)
    page.press("input[name=pass]", "Enter")
    page.wait_for_load_state()

    page.goto(f"{rt_url}/Ticket/Display.html?id=1")
    page.locator("attune-status[data-attune-state=unknown] [data-attune-action=teach]").click(timeout=15000)
    panel = page.locator("attune-teach .panel")
    panel.wait_for()
    stanzas = page.locator(".transaction.message .message-stanza")
    stanzas.nth(0).click()  # the requester's first message
    panel.get_by_text("right?").wait_for()
    stanzas.nth(1).click()  # the staff reply
    page.wait_for_function("() => document.querySelector('[data-attune-preview=agent]') !== null")
    assert panel.get_attribute("data-attune-counts") == '{"customer":2,"agent":2,"internal":0}'
    page.screenshot(path=str(DOCS / "teach-rt.png"))
    page.locator("attune-teach").get_by_role("button", name="Yes, use this").click()  # the third click
    page.locator("attune-teach").wait_for(state="detached")

    for ticket in (2, 3):
        page.goto(f"{rt_url}/Ticket/Display.html?id={ticket}")
        page.wait_for_function("document.querySelectorAll('attune-hint').length >= 2", timeout=15000)
        time.sleep(0.3)
        hinted = page.evaluate(HINTED_TEXTS)
        assert len(hinted) == 2, hinted
        for text, start in zip(hinted, REQUESTER[ticket]):
            assert text.startswith(start), (text, start)
        latency = settle_latency(page)
        print(f"request tracker ticket {ticket}: hints {latency:.0f} ms after the page settled")
        assert latency <= SLOW_MS
    page.close()
