"""The dashboard in a real headless Chromium against a running node.

A visitor watches the quarantine list while an exploit is sent: it appears within
2 seconds without a reload. An operator logs in with the admin token, releases it
with a reason, and the page shows it released and then included. A visitor cannot
act: the server refuses, whatever the page shows. Every page is screenshotted to
build/screenshots.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from support.browser import PageErrors, launch, screenshot
from support.chain import ETHER, TxFactory, calldata, deploy_data, dev_accounts
from support.nodes import PYTHON, free_port, seqguard_env

pytestmark = pytest.mark.slow
TOKEN = "operator-secret"
CONFIG = Path(__file__).parent / "data" / "exploits-node.toml"


class Exploits:
    """A vault with 10 ETH and an attacker ready to drain it by re-entrancy."""

    def __init__(self, rpc: Any) -> None:
        self.rpc = rpc
        self.f = TxFactory(chain_id=31337)
        alice, self.mallory = dev_accounts(2)
        for account in (alice, self.mallory):  # the tests share one node
            count = rpc.call("eth_getTransactionCount", account.address, "latest")
            self.f.set_nonce(account, int(count, 16))
        vault = self.f.sign(alice, to=None, data=deploy_data("EtherVault"))
        self.vault = vault.created
        self.send_and_wait(vault)
        deposit = calldata("EtherVault", "deposit")
        self.send_and_wait(self.f.sign(alice, to=self.vault, data=deposit, value=10 * ETHER))

    def send_and_wait(self, st: Any) -> dict[str, Any]:
        return self.rpc.wait_receipt(self.rpc.call("eth_sendRawTransaction", st.raw))

    def drainer(self) -> str:
        deploy = self.f.sign(self.mallory, to=None, data=deploy_data("VaultDrainer", self.vault))
        self.send_and_wait(deploy)
        return deploy.created

    def attack(self, drainer: str) -> Any:
        """Signed, not sent: the caller decides when."""
        data = calldata("VaultDrainer", "attack", 5)
        return self.f.sign(self.mallory, to=drainer, data=data, value=ETHER)


@pytest.fixture(scope="module")
def node(module_nodes: Any) -> Any:
    return module_nodes.seqguard("dashboard", block_time=0, extra_args=["--config", str(CONFIG)])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        b = launch(p)
        try:
            yield b
        finally:
            b.close()


def open_page(browser: Any, url: str, **kw: Any) -> tuple[Page, PageErrors]:
    page = browser.new_context(**kw).new_page()
    errors = PageErrors(page)
    page.goto(url)
    expect(page.locator("#status")).to_have_text(re.compile("live"), timeout=10_000)
    return page, errors


def rpc_from_page(page: Page, method: str, params: list, bearer: str | None = None) -> dict:
    """A JSON-RPC call made by the page itself (what a visitor's own script could do)."""
    return page.evaluate(
        """async ([url, method, params, bearer]) => {
            const headers = {"content-type": "application/json"};
            if (bearer) headers.authorization = "Bearer " + bearer;
            const res = await fetch(url, {method: "POST", headers,
                body: JSON.stringify({jsonrpc: "2.0", id: 1, method, params})});
            return res.json();
        }""",
        [page.url.split("/dashboard")[0] + "/", method, params, bearer],
    )


def login(browser: Any, base: str, name: str = "alice") -> tuple[Page, PageErrors]:
    page, errors = open_page(browser, f"{base}/dashboard/#/operator")
    page.fill("#login-name", name)
    page.fill("#login-token", TOKEN)
    page.click("#login-form button[type=submit]")
    expect(page.get_by_text(f"Logged in as {name} (token)")).to_be_visible()
    return page, errors


def test_held_attack_shows_live_and_an_operator_releases_it(node: Any, browser: Any) -> None:
    world = Exploits(node.rpc)
    attack = world.attack(world.drainer())
    base = node.url

    visitor, visitor_errors = open_page(browser, f"{base}/dashboard/#/quarantine")
    expect(visitor.locator("#quarantine-list")).to_contain_text("Nothing has been held")
    visitor.evaluate("window.__sameDocument = true")

    sent = time.monotonic()
    attack_hash = node.rpc.call("eth_sendRawTransaction", attack.raw)
    row = visitor.locator(f'tr[data-hash="{attack_hash}"]')
    row.wait_for(timeout=2000)
    assert time.monotonic() - sent < 2.0
    assert visitor.evaluate("window.__sameDocument") is True  # no reload happened
    expect(row).to_contain_text("held")
    expect(row).to_contain_text("reentrancy")
    expect(row).to_contain_text("4 ETH")  # the estimated loss
    screenshot(visitor, "quarantine")

    # a visitor sees no action, and the server refuses one anyway
    assert row.locator("button").count() == 0
    release = [{"hash": attack_hash, "reason": "let me in"}]
    for bearer in (None, "sgs_forged-session", "not-the-token"):
        answer = rpc_from_page(visitor, "seqguard_release", release, bearer)
        assert answer["error"]["code"] == -32001, answer
    forged = [
        {**release[0], "auth": {"timestamp": int(time.time()), "signature": "0x" + "11" * 65}}
    ]
    assert rpc_from_page(visitor, "seqguard_release", forged)["error"]["code"] == -32001
    assert rpc_from_page(visitor, "seqguard_login", [{"name": "eve"}])["error"]["code"] == -32001
    assert node.rpc.call("seqguard_getQuarantine", attack_hash)["status"] == "quarantined"
    assert int(node.rpc.call("eth_getBalance", world.vault, "latest"), 16) == 10 * ETHER

    # the transaction's page: findings, call tree, flows
    visitor.goto(f"{base}/dashboard/#/tx/{attack_hash}")
    expect(visitor.locator(".findings")).to_contain_text("re-entered")
    tree = visitor.locator(".tree")
    expect(tree).to_contain_text("attack(uint256)")
    expect(tree).to_contain_text("withdraw()")
    expect(visitor.get_by_role("region", name="ETH and token flows")).to_contain_text("−4 ETH")
    screenshot(visitor, "transaction")
    first = tree.locator("details").first
    first.locator("summary").first.click()  # collapsible
    assert first.evaluate("d => d.open") is False

    visitor.goto(f"{base}/dashboard/#/quarantine")
    expect(row).to_contain_text("held")
    visitor.evaluate("window.__sameDocument = true")

    # the operator logs in, in another browser, and releases it with a reason
    operator, operator_errors = login(browser, base)
    screenshot(operator, "operator")
    operator.goto(f"{base}/dashboard/#/quarantine")
    op_row = operator.locator(f'tr[data-hash="{attack_hash}"]')
    op_row.locator('button[data-action="release"]').click()
    dialog = operator.locator("#action-dialog")
    expect(dialog).to_be_visible()
    operator.click("#action-confirm")  # no reason: refused before anything is sent
    expect(operator.locator("#action-error")).to_have_text("A reason is required.")
    assert node.rpc.call("seqguard_getQuarantine", attack_hash)["status"] == "quarantined"
    operator.fill("#action-reason", "pen test by our own red team")
    operator.click("#action-confirm")
    expect(dialog).to_be_hidden()
    status = op_row.locator(".status")
    expect(status).to_contain_text("released")
    expect(status).to_contain_text(re.compile(r"included in block \d+"), timeout=10_000)
    receipt = node.rpc.wait_receipt(attack_hash)
    assert receipt["status"] == "0x1"

    # the visitor's page follows without a reload
    expect(row.locator(".status")).to_contain_text(re.compile(r"included in block \d+"))
    assert visitor.evaluate("window.__sameDocument") is True
    record = node.rpc.call("seqguard_getQuarantine", attack_hash)
    assert record["releasedBy"] == "alice (token)"
    assert record["releaseReason"] == "pen test by our own red team"

    # the audit log names who and when
    operator.goto(f"{base}/dashboard/#/operator")
    audit = operator.locator("#audit")
    expect(audit).to_contain_text("alice (token)")
    expect(audit).to_contain_text("pen test by our own red team")
    assert visitor_errors.errors == [] and operator_errors.errors == []


def test_operator_tunes_detectors_invariants_lists_and_marks_a_false_positive(
    node: Any, browser: Any
) -> None:
    world = Exploits(node.rpc)
    held_hash = node.rpc.call("eth_sendRawTransaction", world.attack(world.drainer()).raw)
    node.rpc.wait_for(lambda: node.rpc.call("seqguard_getQuarantine", held_hash), timeout=15)
    page, errors = login(browser, node.url, "bob")

    page.fill("#det-fresh-contract-threshold", "0.95")
    page.locator("#det-fresh-contract-threshold").locator("xpath=ancestor::tr").locator(
        "button"
    ).click()
    expect(page.locator("#op-status")).to_contain_text("fresh-contract: on, quarantine")
    settings = {d["name"]: d for d in node.rpc.call("seqguard_detectors")}
    assert settings["fresh-contract"]["threshold"] == 0.95

    page.fill("#inv-name", "vault-solvent")
    page.fill("#inv-contract", world.vault)
    page.fill("#inv-check", "totalSupply() >= 0")
    page.click("#invariant-form button")
    expect(page.get_by_role("region", name="Invariants")).to_contain_text("vault-solvent")
    assert [i["name"] for i in node.rpc.call("seqguard_invariants")] == ["vault-solvent"]

    outsider = "0x" + "ab" * 20
    page.fill("#list-deny-senders-add", outsider)
    page.locator("#list-deny-senders-add").press("Enter")
    expect(page.get_by_role("region", name="Deny and allow lists")).to_contain_text("0xababab")
    assert node.rpc.call("seqguard_lists")["deny-senders"] == [outsider]

    page.goto(f"{node.url}/dashboard/#/tx/{held_hash}")
    page.click('#tx-actions button[data-action="extend"]')
    page.fill("#action-seconds", "600")
    page.fill("#action-reason", "waiting for the protocol team")
    page.click("#action-confirm")
    expect(page.locator("#tx-status")).to_contain_text("held")
    expect(page.locator(".facts")).not_to_contain_text("when an operator acts")
    extended = node.rpc.call("seqguard_getQuarantine", held_hash)
    assert 590 <= extended["expiresAt"] - time.time() <= 600
    page.click('#tx-actions button[data-action="falsePositive"]')
    page.fill("#action-reason", "known arbitrage bot")
    page.click("#action-confirm")
    expect(page.locator("#tx-status")).to_contain_text(re.compile("released|included"))
    record = node.rpc.wait_for(
        lambda: (r := node.rpc.call("seqguard_getQuarantine", held_hash))["falsePositive"] and r,
        timeout=10,
    )
    assert record["status"] == "released" and record["releasedBy"] == "bob (token)"

    page.goto(f"{node.url}/dashboard/#/operator")
    audit = page.locator("#audit")
    for action in ("setDetector", "addInvariant", "setList", "extend", "falsePositive", "login"):
        expect(audit).to_contain_text(action)
    page.click("#logout")
    expect(page.locator("#login-form")).to_be_visible()
    assert errors.errors == []


def test_live_and_statistics_pages_keyboard_and_narrow_screen(node: Any, browser: Any) -> None:
    world = Exploits(node.rpc)
    page, errors = open_page(browser, f"{node.url}/dashboard/")
    feed = page.locator("#feed")
    attack_hash = node.rpc.call("eth_sendRawTransaction", world.attack(world.drainer()).raw)
    expect(feed.locator("tr", has_text=attack_hash[:10])).to_contain_text("held")
    expect(page.locator("#card-held .value")).not_to_have_text("0")
    screenshot(page, "live")

    page.goto(f"{node.url}/dashboard/#/stats")
    for chart in ("chart-tps", "chart-verdicts", "chart-latency", "chart-quarantine"):
        expect(page.locator(f"#{chart} svg path.line").first).to_be_attached()
    expect(page.locator("#chart-detectors")).to_contain_text("reentrancy")
    expect(page.locator("#chart-latency")).to_contain_text("p99:")
    screenshot(page, "statistics")

    # keyboard: the skip link comes first, then the sections
    page.goto(f"{node.url}/dashboard/#/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Quarantine"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#/quarantine$"))
    page.locator("#search-box").fill(attack_hash)
    page.locator("#search-box").press("Enter")
    expect(page).to_have_url(re.compile(f"#/tx/{attack_hash}$"))

    # a phone-sized screen: nothing wider than the screen, tables become cards
    phone, phone_errors = open_page(
        browser, f"{node.url}/dashboard/#/quarantine", viewport={"width": 390, "height": 844}
    )
    expect(phone.locator(f'tr[data-hash="{attack_hash}"]')).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "quarantine-narrow")
    assert errors.errors == [] and phone_errors.errors == []


def test_standalone_dashboard_serves_any_node(node: Any, browser: Any, tmp_path: Path) -> None:
    port = free_port()
    log = open(tmp_path / "dashboard.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [PYTHON, "-m", "seqguard", "dashboard", "--rpc", node.url, "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=seqguard_env(),
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{url}/dashboard/config.json").json() == {"rpc": node.url + "/"}:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        headers = httpx.get(f"{url}/dashboard/").headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert node.url.split("//")[1] in headers["content-security-policy"]
        page, errors = open_page(browser, f"{url}/dashboard/#/quarantine")
        expect(page.locator("#quarantine-list")).to_contain_text("reentrancy")
        expect(page.locator("#node-info")).to_contain_text(node.url)
        assert errors.errors == []
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
