// Quarantine: every held transaction, why, and what happened to it.
import { actionButtons } from "../actions.js";
import { batch, isLive, on, rpc } from "../rpc.js";
import { addressText, badge, duration, eth, h, hashLink, isAddress, num, table, when } from "../ui.js";

const STATUSES = ["", "quarantined", "released", "rejected", "expired", "dropped"];
const PAGE = 50;
const REASON_CHARS = 180; // the whole reason is on the transaction's page

const clip = (text) => (text.length > REASON_CHARS ? text.slice(0, REASON_CHARS - 1) + "…" : text);

export async function quarantinePage(view, query) {
  const status = query.get("status") || "";
  const address = (query.get("address") || query.get("from") || "").toLowerCase();
  const byFrom = query.has("from");

  const statusSelect = h("select", { id: "f-status", name: "status" },
    STATUSES.map((s) => h("option", { value: s, selected: s === status }, s ? s : "any status")));
  const addressInput = h("input", { id: "f-address", name: "address", value: address, placeholder: "0x… sender or target", spellcheck: "false", autocomplete: "off" });
  const onlySender = h("input", { id: "f-only-sender", type: "checkbox", checked: byFrom });
  const filters = h("form", { class: "filters", role: "search", "aria-label": "Filter the quarantine" },
    h("label", { for: "f-status" }, "Status"), statusSelect,
    h("label", { for: "f-address" }, "Address"), addressInput,
    h("label", { class: "check" }, onlySender, " sender only"),
    h("button", { type: "submit" }, "Filter"));
  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    if (statusSelect.value) q.set("status", statusSelect.value);
    const a = addressInput.value.trim();
    if (a && !isAddress(a)) {
      addressInput.setCustomValidity("An address is 0x and 40 hex digits");
      addressInput.reportValidity();
      addressInput.setCustomValidity("");
      return;
    }
    if (a) q.set(onlySender.checked ? "from" : "address", a.toLowerCase());
    window.location.hash = `#/quarantine${q.toString() ? "?" + q : ""}`;
  });

  const summary = h("p", { class: "summary", "aria-live": "polite" });
  const listBox = h("div", { id: "quarantine-list" });
  const more = h("button", { type: "button", hidden: true }, "Load older records");
  view.root.append(h("h1", {}, "Quarantine"), filters, summary, listBox, more);

  let records = [];
  let cursor = null;
  let included = new Map(); // hash -> block number, for released records

  const options = (extra = {}) => {
    const o = { limit: PAGE, ...extra };
    if (status) o.status = status;
    if (address) o[byFrom ? "from" : "address"] = address;
    return o;
  };

  async function receipts(list) {
    const open = list.filter((r) => ["released", "expired"].includes(r.status) && !included.has(r.hash));
    const answers = await batch(open.map((r) => ["eth_getTransactionReceipt", [r.hash]]));
    answers.forEach((a, i) => {
      if (a.result && a.result.blockNumber) included.set(open[i].hash, num(a.result.blockNumber));
    });
  }

  function statusCell(r) {
    const block = included.get(r.hash);
    return h("span", { class: "status", "data-status": r.status },
      badge(r.status),
      block !== undefined ? h("span", { class: "included" }, " → ", badge("included"), ` in block ${block}`) : null,
      r.falsePositive ? h("span", { class: "tag" }, "false positive") : null);
  }

  function draw() {
    const now = Date.now() / 1000;
    listBox.replaceChildren(
      table(
        [
          ["Transaction", (r) => hashLink(r.hash)],
          ["Sender", (r) => addressText(r.from)],
          ["Target", (r) => addressText(r.to)],
          ["Status", statusCell],
          ["Detectors", (r) => r.detectors.join(", ")],
          ["Reason", (r) => h("span", { class: "reason", title: r.reason }, clip(r.reason))],
          ["Est. loss", (r) => eth(r.estimatedLossWei)],
          ["Held", (r) => duration((r.releasedAt || now) - r.quarantinedAt)],
          ["Expires", (r) => (r.status !== "quarantined" ? "–" : r.expiresAt ? when(r.expiresAt) : "when an operator acts")],
          ["", (r) => actionButtons(r, refresh) || ""],
        ],
        records,
        {
          empty: status || address ? "No record matches these filters." : "Nothing has been held. Transactions that look like exploits appear here.",
          rowAttrs: (r) => ({ "data-hash": r.hash, class: r.status === "quarantined" ? "alert" : "" }),
        },
      ),
    );
    summary.textContent = `${records.length}${cursor !== null ? "+" : ""} record${records.length === 1 ? "" : "s"}${status ? `, status ${status}` : ""}${address ? `, address ${address}` : ""}`;
    more.hidden = cursor === null;
  }

  async function refresh() {
    // the newest page again, as many records as are shown
    const page = await rpc("seqguard_listQuarantine", [options({ limit: Math.max(PAGE, Math.min(records.length, 1000)) })]);
    records = page.records;
    cursor = page.cursor;
    await receipts(records);
    draw();
  }

  more.addEventListener("click", async () => {
    const page = await rpc("seqguard_listQuarantine", [options({ cursor })]);
    records = [...records, ...page.records];
    cursor = page.cursor;
    await receipts(page.records);
    draw();
  });

  let timer = null;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => refresh().catch(() => {}), 150);
  };
  const offInspections = on("seqguard_inspections", (event) => {
    if (event.inspections.some((r) => r.action !== "allow")) soon();
  });
  const offHeads = on("newHeads", () => {
    if (records.some((r) => r.status === "quarantined" || (["released", "expired"].includes(r.status) && !included.has(r.hash)))) soon();
  });
  // expiry and other operators' actions do not come over the feed
  const poll = setInterval(() => refresh().catch(() => {}), isLive() ? 10000 : 3000);
  view.cleanup = () => { offInspections(); offHeads(); clearInterval(poll); clearTimeout(timer); };
  await refresh(); // after listening: a hold between the two is not missed
}
