// Minimal status page: polls the node's own JSON-RPC endpoint (same origin).
"use strict";

const RPC_URL = new URL("../", window.location.href).href; // the node serves JSON-RPC at "/"
const BLOCKS_SHOWN = 10;
let nextId = 1;

async function rpcBatch(calls) {
  const body = calls.map(([method, params]) => ({ jsonrpc: "2.0", id: nextId++, method, params }));
  const res = await fetch(RPC_URL, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const out = await res.json();
  const byId = new Map(out.map((r) => [r.id, r]));
  return body.map((req) => byId.get(req.id) || { error: { message: "no response" } });
}

const hexToInt = (h) => (typeof h === "string" ? parseInt(h, 16) : NaN);
const short = (h) => (h && h.length > 18 ? `${h.slice(0, 10)}…${h.slice(-6)}` : h || "");
const el = (id) => document.getElementById(id);

function setText(id, value) {
  el(id).textContent = value === undefined || value === null || Number.isNaN(value) ? "–" : String(value);
}

function age(ts) {
  const s = Math.max(0, Math.round(Date.now() / 1000 - ts));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h`;
}

function renderBlocks(blocks) {
  const rows = blocks
    .filter((b) => b && b.number)
    .map((b) => {
      const tr = document.createElement("tr");
      const cells = [
        hexToInt(b.number).toLocaleString(),
        short(b.hash),
        Array.isArray(b.transactions) ? b.transactions.length : "?",
        hexToInt(b.gasUsed).toLocaleString(),
        age(hexToInt(b.timestamp)),
      ];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (i === 1) { td.className = "hash"; td.title = b.hash; }
        tr.appendChild(td);
      });
      return tr;
    });
  el("blocks").replaceChildren(...rows);
}

async function poll() {
  const status = el("status");
  try {
    const [head, chain, pool, client] = await rpcBatch([
      ["eth_blockNumber", []],
      ["eth_chainId", []],
      ["txpool_status", []],
      ["web3_clientVersion", []],
    ]);
    const n = hexToInt(head.result);
    setText("head", Number.isNaN(n) ? undefined : n.toLocaleString());
    setText("chain", hexToInt(chain.result));
    setText("pending", pool.result ? hexToInt(pool.result.pending) : undefined);
    setText("queued", pool.result ? hexToInt(pool.result.queued) : undefined);
    setText("client", client.result);
    if (!Number.isNaN(n)) {
      const calls = [];
      for (let i = n; i >= 0 && i > n - BLOCKS_SHOWN; i--) {
        calls.push(["eth_getBlockByNumber", ["0x" + i.toString(16), false]]);
      }
      renderBlocks((await rpcBatch(calls)).map((r) => r.result));
    }
    status.textContent = "connected";
    status.className = "pill ok";
  } catch (err) {
    status.textContent = "unreachable";
    status.className = "pill bad";
  }
}

poll();
setInterval(poll, 2000);
