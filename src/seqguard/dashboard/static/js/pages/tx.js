// One transaction: its verdict, every finding, the call tree, the flows, control-slot writes.
import { actionButtons } from "../actions.js";
import { batch, on } from "../rpc.js";
import { addressText, amount, badge, eth, h, num, rerender, section, short, table, when } from "../ui.js";

const OPEN_DEPTH = 2; // call frames deeper than this start collapsed

export async function txPage(view, hash) {
  hash = hash.toLowerCase();
  const [inspection, tx, receipt] = await batch([
    ["seqguard_getInspection", [hash]],
    ["eth_getTransactionByHash", [hash]],
    ["eth_getTransactionReceipt", [hash]],
  ]);
  const info = inspection.result;
  const record = info ? info.record : null;
  if (!info && !tx.result) {
    view.root.append(h("h1", {}, "Transaction"), h("p", { class: "mono" }, hash),
      h("p", { class: "empty" }, "This node does not know this transaction: it was never sent here, or it is still waiting in the pool."));
    return;
  }
  const trace = info ? info.trace : null;
  const labels = {};
  const sender = (record && record.from) || (tx.result && tx.result.from) || (trace && trace.tx.sender);
  if (sender) labels[sender.toLowerCase()] = "sender";
  for (const a of (trace && trace.created) || []) labels[a.toLowerCase()] = "created here";

  view.root.append(h("h1", {}, "Transaction ", h("span", { class: "mono title-hash" }, short(hash, 12, 8))));
  view.root.append(summary(hash, record, tx.result, receipt, trace, labels));
  if (record) view.root.append(h("div", { id: "tx-actions" }, actionButtons(record, rerender)));
  view.root.append(findingsSection(info ? info.findings : [], record));
  if (trace) {
    if (info.source === "replay") view.root.append(h("p", { class: "muted" }, "Trace re-executed from the chain (no finding was recorded for it)."));
    view.root.append(callTree(trace, info.selectors || {}, labels));
    view.root.append(flowsSection(info.flows, labels));
    view.root.append(storageSection(info.storage, labels));
  }
  // the verdict or inclusion may change while the page is open: draw again only then
  const included = receipt.result && receipt.result.blockNumber;
  if (record && ["quarantined", "released", "expired"].includes(record.status) && !included) {
    const check = async () => {
      const [now, rc] = await batch([
        ["seqguard_getQuarantine", [hash]],
        ["eth_getTransactionReceipt", [hash]],
      ]);
      if ((now.result && now.result.status) !== record.status || (rc.result && rc.result.blockNumber)) rerender();
    };
    view.cleanup = on("newHeads", () => check().catch(() => {}));
  }
}

function row(label, ...value) {
  return [h("dt", {}, label), h("dd", {}, ...value)];
}

function summary(hash, record, tx, receipt, trace, labels) {
  const rc = receipt.result;
  const items = [row("Hash", h("span", { class: "mono break" }, hash))];
  let state;
  if (rc && rc.blockNumber) {
    state = [badge("included"), ` in block ${num(rc.blockNumber)}`, rc.status === "0x1" ? " (succeeded)" : " (reverted)"];
  } else if (record) {
    state = [badge(record.status)];
  } else {
    state = ["pending"];
  }
  items.push(row("Status", h("span", { id: "tx-status" }, ...state)));
  if (record) {
    items.push(row("Detectors", record.detectors.join(", ")));
    items.push(row("Estimated loss", eth(record.estimatedLossWei)));
    items.push(row("Held at", when(record.quarantinedAt)));
    if (record.status === "quarantined") items.push(row("Expires", record.expiresAt ? when(record.expiresAt) : "when an operator acts"));
    if (record.releasedAt) {
      items.push(row("Decided", `${when(record.releasedAt)} by ${record.releasedBy}`));
      items.push(row("Decision reason", record.releaseReason || "–"));
    }
    if (record.falsePositive) items.push(row("Label", h("span", { class: "tag" }, "false positive")));
  }
  const from = (tx && tx.from) || (record && record.from) || (trace && trace.tx.sender);
  const to = tx ? tx.to : record ? record.to : trace && trace.tx.to;
  items.push(row("From", addressText(from, labels)));
  items.push(row("To", addressText(to, labels)));
  if (tx) {
    items.push(row("Value", eth(tx.value)));
    items.push(row("Nonce", String(num(tx.nonce))));
  } else if (trace) {
    items.push(row("Value", eth(trace.tx.value)));
    items.push(row("Nonce", String(trace.tx.nonce)));
  }
  if (trace) items.push(row("Execution", trace.success ? "succeeded" : `reverted${trace.revert_reason ? ": " + trace.revert_reason : ""}`, ` · ${Number(trace.gas_used).toLocaleString("en-US")} gas`));
  return h("dl", { class: "facts" }, ...items);
}

function findingsSection(findings, record) {
  if (!findings.length) {
    return section("Findings", h("p", { class: "empty" }, record ? record.reason : "No detector found anything in this transaction."));
  }
  return section(
    "Findings",
    h("ul", { class: "findings" }, findings.map((f) =>
      h("li", { class: f.acted ? "acted" : "noted" },
        h("div", { class: "finding-head" },
          h("strong", {}, f.detector), " ", badge(f.acted ? "acted" : "noted"),
          h("span", { class: "muted" }, ` score ${f.score.toFixed(2)}`),
          BigInt(f.estimatedLossWei) > 0n ? h("span", { class: "muted" }, ` · estimated loss ${eth(f.estimatedLossWei)}`) : null),
        h("p", {}, f.reason)))),
  );
}

function callTree(trace, selectors, labels) {
  const kids = new Map();
  for (const f of trace.frames) {
    const list = kids.get(f.parent) || [];
    list.push(f);
    kids.set(f.parent, list);
  }
  const line = (f) => {
    const selector = f.input && f.input.length >= 10 ? f.input.slice(0, 10) : null;
    const fn = f.kind.startsWith("CREATE") ? "constructor" : selector ? selectors[selector] || selector : f.input && f.input.length > 2 ? "(data)" : "(receive)";
    const target = f.kind === "DELEGATECALL" ? f.code_address : f.address;
    return h("span", { class: "frame" },
      h("span", { class: `kind k-${f.kind.toLowerCase()}` }, f.kind), " ",
      addressText(f.sender, labels), " → ", addressText(target, labels), " ",
      h("code", {}, fn),
      BigInt(f.value || 0) > 0n ? h("span", { class: "value" }, ` ${eth(f.value)}`) : null,
      h("span", { class: "muted" }, ` · ${Number(f.gas_used).toLocaleString("en-US")} gas`),
      f.success ? null : h("span", { class: "failed" }, ` ✕ ${f.error || "reverted"}`));
  };
  const node = (f) => {
    const children = kids.get(f.index) || [];
    if (!children.length) return h("li", { class: "leaf" }, line(f));
    return h("li", {}, h("details", { open: f.depth < OPEN_DEPTH },
      h("summary", {}, line(f), h("span", { class: "muted" }, ` (${children.length} call${children.length > 1 ? "s" : ""})`)),
      h("ul", {}, children.map(node))));
  };
  const roots = kids.get(null) || [];
  return section(`Call tree (${trace.frames.length} frame${trace.frames.length === 1 ? "" : "s"})`,
    h("ul", { class: "tree" }, roots.map(node)));
}

function flowsSection(flows, labels) {
  if (!flows) return null;
  const who = (a) => addressText(a, labels);
  return section(
    "ETH and token flows",
    h("h3", {}, "ETH (net, gas included)"),
    table([["Account", (r) => who(r.address)], ["Change", (r) => h("span", { class: BigInt(r.delta) < 0n ? "neg" : "pos" }, eth(r.delta, true))]], flows.eth, { empty: "No ETH moved." }),
    h("h3", {}, "Tokens (net per holder)"),
    table([
      ["Token", (r) => h("span", {}, addressText(r.token, labels), " ", h("span", { class: "muted" }, r.standard))],
      ["Holder", (r) => who(r.holder)],
      ["Change", (r) => h("span", { class: BigInt(r.delta) < 0n ? "neg" : "pos" }, amount(r.delta))],
    ], flows.tokens, { empty: "No token moved." }),
  );
}

function storageSection(writes, labels) {
  if (!writes) return null;
  const sensitive = writes.filter((w) => w.sensitive);
  const other = writes.filter((w) => !w.sensitive);
  const cols = [
    ["Contract", (w) => addressText(w.address, labels)],
    ["Slot", (w) => h("span", { class: "mono", title: w.slot }, w.label ? `${w.label}` : short(w.slot, 8, 4))],
    ["Before", (w) => h("span", { class: "mono", title: w.before }, short(w.before, 10, 6))],
    ["After", (w) => h("span", { class: "mono", title: w.after }, short(w.after, 10, 6))],
  ];
  return section(
    "Storage writes",
    h("h3", {}, "Control slots (proxy implementation, admin, owner, initializer)"),
    table(cols, sensitive, { empty: "No control slot was written.", rowAttrs: () => ({ class: "alert" }) }),
    other.length ? h("details", {}, h("summary", {}, `Other storage writes (${other.length})`), table(cols, other)) : null,
  );
}
