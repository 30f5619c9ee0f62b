// The dashboard shell: routing (#/...), connection status, search, the action dialog.
import { batch, connectLive, loadConfig, nodeUrl, on, rpc, session, setSession } from "./rpc.js";
import { $, h, isAddress, isHash } from "./ui.js";
import { livePage } from "./pages/live.js";
import { quarantinePage } from "./pages/quarantine.js";
import { txPage } from "./pages/tx.js";
import { statsPage } from "./pages/stats.js";
import { operatorPage } from "./pages/operator.js";

const ROUTES = [
  [/^\/?$/, "live", () => livePage],
  [/^\/quarantine$/, "quarantine", () => quarantinePage],
  [/^\/tx\/(0x[0-9a-fA-F]{64})$/, "quarantine", () => txPage],
  [/^\/stats$/, "stats", () => statsPage],
  [/^\/operator$/, "operator", () => operatorPage],
];

let current = null; // {cleanup}

function parseRoute() {
  const raw = window.location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?");
  for (const [pattern, nav, page] of ROUTES) {
    const m = path.match(pattern);
    if (m) return { nav, page: page(), args: m.slice(1), query: new URLSearchParams(query) };
  }
  return null;
}

async function render() {
  if (current && current.cleanup) current.cleanup();
  current = null;
  const main = $("main");
  const route = parseRoute();
  document.querySelectorAll("nav a").forEach((a) => {
    if (route && a.dataset.route === route.nav) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
  if (!route) {
    main.replaceChildren(h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/" }, "Back to the live view")));
    return;
  }
  const view = { root: h("div", { class: "page" }), cleanup: null };
  main.replaceChildren(view.root);
  current = view;
  try {
    await route.page(view, ...route.args, route.query);
  } catch (err) {
    view.root.append(h("p", { class: "error", role: "alert" }, `Could not load this page: ${err.message}`));
  }
}

function showWho() {
  const s = session();
  const who = $("who");
  who.replaceChildren(
    s ? h("a", { href: "#/operator", title: "Operator session" }, `operator: ${s.actor}`) : "",
  );
}

function showConnection(live) {
  const status = $("status");
  status.textContent = live ? "● live" : "○ reconnecting";
  status.className = `pill ${live ? "ok" : "bad"}`;
  status.title = live ? "Receiving blocks and inspections as they happen" : "Live feed lost; retrying";
}

function wireSearch() {
  $("search").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = $("search-box").value.trim();
    if (isHash(q)) window.location.hash = `#/tx/${q.toLowerCase()}`;
    else if (isAddress(q)) window.location.hash = `#/quarantine?address=${q.toLowerCase()}`;
    else {
      $("search-box").setCustomValidity("Enter a 0x transaction hash (64 hex digits) or an address (40)");
      $("search-box").reportValidity();
      $("search-box").setCustomValidity("");
    }
  });
}

async function start() {
  await loadConfig();
  const [version, chain] = await batch([
    ["web3_clientVersion", []],
    ["eth_chainId", []],
  ]).catch(() => [{}, {}]);
  $("node-info").textContent = `${version.result || "node unreachable"} · chain ${chain.result ? parseInt(chain.result, 16) : "?"} · ${nodeUrl()}`;
  wireSearch();
  showWho();
  window.addEventListener("seqguard:session", showWho);
  on("connection", showConnection);
  connectLive();
  window.addEventListener("hashchange", render);
  // a session from another tab may have ended; check it once
  if (session()) rpc("seqguard_session", [{}], true).catch(() => setSession(null));
  await render();
}

start();
