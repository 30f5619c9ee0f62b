// DOM and formatting helpers. Everything from the node goes in as text, never HTML.

/** h("a", {href: "#/"}, "text", child): an element; attributes starting with "on" are listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "style") el.style.cssText = value; // CSSOM: allowed by our CSP, unlike the attribute
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export const $ = (id) => document.getElementById(id);

/** Draw the current page again (after an action changed what it shows). */
export const rerender = () => window.dispatchEvent(new HashChangeEvent("hashchange"));

export function short(hex, head = 10, tail = 6) {
  if (!hex) return "";
  return hex.length > head + tail + 2 ? `${hex.slice(0, head)}…${hex.slice(-tail)}` : hex;
}

export const isHash = (s) => /^0x[0-9a-fA-F]{64}$/.test(s);
export const isAddress = (s) => /^0x[0-9a-fA-F]{40}$/.test(s);

function toBig(value) {
  if (value === null || value === undefined) return 0n;
  try {
    return BigInt(value);
  } catch (_) {
    return 0n;
  }
}

/** wei (hex, decimal string or BigInt) as ETH with up to 6 decimals. */
export function eth(value, signed = false) {
  let wei = toBig(value);
  const negative = wei < 0n;
  if (negative) wei = -wei;
  const whole = wei / 10n ** 18n;
  let frac = (wei % 10n ** 18n).toString().padStart(18, "0").slice(0, 6).replace(/0+$/, "");
  if (!frac && wei > 0n && whole === 0n) frac = "000001"; // dust still shows as non-zero
  const text = `${whole.toLocaleString("en-US")}${frac ? "." + frac : ""} ETH`;
  return negative ? `−${text}` : signed && wei > 0n ? `+${text}` : text;
}

export function amount(value) {
  const v = toBig(value);
  const text = (v < 0n ? -v : v).toLocaleString("en-US");
  return v < 0n ? `−${text}` : `+${text}`;
}

export function ago(unixSeconds) {
  if (!unixSeconds) return "–";
  return duration(Date.now() / 1000 - unixSeconds) + " ago";
}

export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

export function when(unixSeconds) {
  if (!unixSeconds) return "–";
  return new Date(unixSeconds * 1000).toLocaleString();
}

export const num = (hex) => (typeof hex === "string" ? parseInt(hex, 16) : hex);

// Status words carry a symbol and text, so they read without colour.
const BADGES = {
  allow: ["✓", "allowed", "ok"],
  included: ["✓", "included", "ok"],
  quarantine: ["‖", "held", "bad"],
  quarantined: ["‖", "held", "bad"],
  reject: ["✕", "rejected", "bad"],
  rejected: ["✕", "rejected", "bad"],
  released: ["↻", "released", "warn"],
  expired: ["◷", "expired", "warn"],
  dropped: ["–", "dropped", "muted"],
  noted: ["•", "noted", "muted"],
  acted: ["!", "acted on", "bad"],
};

export function badge(status) {
  const [symbol, text, tone] = BADGES[status] || ["?", status, "muted"];
  return h("span", { class: `badge ${tone}` }, h("span", { "aria-hidden": "true" }, symbol), " ", text);
}

export function hashLink(hash) {
  return h("a", { href: `#/tx/${hash}`, class: "mono", title: hash }, short(hash));
}

export function addressText(address, labels = {}) {
  if (!address) return h("span", { class: "muted" }, "contract creation");
  const label = labels[address.toLowerCase()];
  return h(
    "span",
    { class: "mono addr", title: address },
    short(address, 8, 6),
    label ? h("span", { class: "tag" }, label) : null,
  );
}

/** A table; `columns` is [[heading, cell(row) -> Node|string], ...]. Narrow screens show cards. */
export function table(columns, rows, { caption, empty = "Nothing to show.", rowAttrs } = {}) {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      caption ? h("caption", {}, caption) : null,
      h("thead", {}, h("tr", {}, columns.map(([name]) => h("th", { scope: "col" }, name)))),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h(
            "tr",
            rowAttrs ? rowAttrs(row) : {},
            columns.map(([name, cell]) => h("td", { "data-label": name }, cell(row))),
          ),
        ),
      ),
    ),
  );
}

export function section(title, ...children) {
  const id = "s-" + title.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  return h("section", { "aria-labelledby": id }, h("h2", { id }, title), ...children);
}
