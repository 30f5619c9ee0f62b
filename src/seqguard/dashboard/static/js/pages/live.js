// Live: new blocks and every inspected transaction, as they happen.
import { batch, on, rpc } from "../rpc.js";
import { addressText, ago, badge, h, hashLink, num, section, short, table } from "../ui.js";

const FEED_ROWS = 60;
const BLOCK_ROWS = 12;

export async function livePage(view) {
  const cards = h("div", { class: "cards" });
  const feedBox = h("div", { id: "feed" });
  const blocksBox = h("div", { id: "blocks" });
  const announce = h("p", { class: "sr-only", "aria-live": "polite" });
  view.root.append(
    h("h1", {}, "Live"),
    h("p", { class: "lede" }, "Every transaction is executed and inspected before it may enter a block. Held ones wait in quarantine, with the reason, until an operator decides."),
    cards,
    announce,
    h("div", { class: "split" },
      section("Inspected transactions", feedBox),
      section("Latest blocks", blocksBox)),
  );

  // listen before loading, so nothing falls between the first load and the feed
  let feed = [];
  let ready = false;
  const early = [];
  const addLines = (lines) => {
    const known = new Set(feed.map((r) => r.hash + r.at));
    feed = [...lines.slice().reverse().filter((r) => !known.has(r.hash + r.at)), ...feed].slice(0, FEED_ROWS);
  };
  const offInspections = on("seqguard_inspections", (event) => {
    if (!ready) return early.push(event);
    addLines(event.inspections);
    drawFeed();
    const held = event.inspections.filter((r) => r.action !== "allow").length;
    announce.textContent = held ? `${held} transaction${held > 1 ? "s" : ""} held` : "";
    if (held) drawCards().catch(() => {}); // no block follows a hold
  });
  view.cleanup = offInspections;
  feed = await rpc("seqguard_recentInspections", [{ limit: FEED_ROWS }]);
  let blocks = [];
  const head = num(await rpc("eth_blockNumber"));
  const calls = [];
  for (let i = head; i >= 0 && i > head - BLOCK_ROWS; i--) calls.push(["eth_getBlockByNumber", ["0x" + i.toString(16), false]]);
  blocks = (await batch(calls)).map((r) => r.result).filter(Boolean);

  const drawFeed = () =>
    feedBox.replaceChildren(
      table(
        [
          ["When", (r) => h("time", { datetime: new Date(r.at * 1000).toISOString() }, ago(r.at))],
          ["Transaction", (r) => hashLink(r.hash)],
          ["From → to", (r) => h("span", {}, addressText(r.from), " → ", addressText(r.to))],
          ["Verdict", (r) => badge(r.action)],
          ["Detectors", (r) => (r.detectors.length ? r.detectors.join(", ") : r.noted.length ? `noted: ${r.noted.join(", ")}` : "–")],
          ["Block", (r) => (r.block ? String(num(r.block)) : "–")],
          ["Inspection", (r) => `${r.latencyMs.toFixed(2)} ms`],
        ],
        feed,
        { empty: "No transaction inspected yet. Send one to this node and it shows up here.", rowAttrs: (r) => ({ class: r.action === "allow" ? "" : "alert" }) },
      ),
    );
  const drawBlocks = () =>
    blocksBox.replaceChildren(
      table(
        [
          ["Block", (b) => String(num(b.number))],
          ["Hash", (b) => h("span", { class: "mono", title: b.hash }, short(b.hash))],
          ["Txs", (b) => String(Array.isArray(b.transactions) ? b.transactions.length : "?")],
          ["Gas used", (b) => num(b.gasUsed).toLocaleString("en-US")],
          ["Age", (b) => ago(num(b.timestamp))],
        ],
        blocks,
      ),
    );
  const drawCards = async () => {
    const [stats, pool] = await batch([
      ["seqguard_stats", [{ seconds: 60 }]],
      ["txpool_status", []],
    ]);
    const s = stats.result;
    if (!s) return;
    const txs = s.buckets.reduce((n, b) => n + b.txs, 0);
    const card = (label, value, id) => h("div", { class: "card", id }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
    cards.replaceChildren(
      card("Head block", num(s.head).toLocaleString("en-US"), "card-head"),
      card("Transactions/s (last minute)", (txs / 60).toFixed(2), "card-tps"),
      card("Held in quarantine", String(s.quarantine.quarantined), "card-held"),
      card("Pending in the pool", pool.result ? String(num(pool.result.pending)) : "–", "card-pending"),
      card("Inspection", s.inspection ? "on" : "off", "card-inspection"),
    );
  };
  ready = true;
  for (const event of early) addLines(event.inspections);
  drawFeed();
  drawBlocks();
  await drawCards();

  const offHeads = on("newHeads", (header) => {
    blocks = [{ ...header, transactions: null }, ...blocks].slice(0, BLOCK_ROWS);
    // the header has no transaction list; ask for the count
    rpc("eth_getBlockTransactionCountByHash", [header.hash]).then((n) => {
      const b = blocks.find((x) => x.hash === header.hash);
      if (b) b.transactions = new Array(num(n));
      drawBlocks();
    }).catch(() => drawBlocks());
    drawCards().catch(() => {});
  });
  const ticker = setInterval(() => { drawFeed(); drawBlocks(); }, 5000); // keep the ages fresh
  view.cleanup = () => { offInspections(); offHeads(); clearInterval(ticker); };
}
