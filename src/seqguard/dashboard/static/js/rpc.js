// Talking to the node: JSON-RPC over HTTP, the live feed over WebSocket, the
// operator's session. The node to use comes from config.json (null: this origin).

let rpcUrl = new URL("../", window.location.href).href;
let nextId = 1;
const SESSION_KEY = "seqguard.session";

class RpcError extends Error {
  constructor(error) {
    super(error.message || "RPC error");
    this.code = error.code;
    this.data = error.data;
  }
}

export async function loadConfig() {
  try {
    const res = await fetch("config.json", { cache: "no-store" });
    if (res.ok) {
      const cfg = await res.json();
      if (cfg.rpc) rpcUrl = cfg.rpc;
    }
  } catch (_) {
    // served without config.json: the node is this origin
  }
  return rpcUrl;
}

export const nodeUrl = () => rpcUrl;

// -- session --------------------------------------------------------------------
export function session() {
  try {
    const s = JSON.parse(window.sessionStorage.getItem(SESSION_KEY) || "null");
    if (s && s.expiresAt * 1000 > Date.now()) return s;
  } catch (_) {
    /* unreadable: logged out */
  }
  return null;
}

export function setSession(s) {
  if (s) window.sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  else window.sessionStorage.removeItem(SESSION_KEY);
  window.dispatchEvent(new Event("seqguard:session"));
}

// -- HTTP -------------------------------------------------------------------------
async function post(body, bearer) {
  const headers = { "content-type": "application/json" };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const res = await fetch(rpcUrl, { method: "POST", headers, body: JSON.stringify(body) });
  return res.json();
}

/** One call. `auth`: true sends the operator session; a string sends that bearer. */
export async function rpc(method, params = [], auth = false) {
  const bearer = auth === true ? session()?.session : auth || null;
  const out = await post({ jsonrpc: "2.0", id: nextId++, method, params }, bearer);
  if (out.error) {
    if (out.error.code === -32001 && auth === true) setSession(null); // expired or revoked
    throw new RpcError(out.error);
  }
  return out.result;
}

/** Several read-only calls in one request; each answer is {result} or {error}. */
export async function batch(calls) {
  if (!calls.length) return [];
  const body = calls.map(([method, params]) => ({ jsonrpc: "2.0", id: nextId++, method, params }));
  const out = await post(body);
  const byId = new Map((Array.isArray(out) ? out : [out]).map((r) => [r.id, r]));
  return body.map((req) => byId.get(req.id) || { error: { message: "no response" } });
}

// -- WebSocket live feed ----------------------------------------------------------
const listeners = { newHeads: new Set(), seqguard_inspections: new Set(), connection: new Set() };
let socket = null;
let connected = false;
let retry = 500;

export function on(kind, fn) {
  listeners[kind].add(fn);
  return () => listeners[kind].delete(fn);
}

export const isLive = () => connected;

function emit(kind, value) {
  for (const fn of listeners[kind]) {
    try {
      fn(value);
    } catch (err) {
      console.error(err);
    }
  }
}

export function connectLive() {
  const url = new URL(rpcUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(url.href);
  socket = ws;
  const subs = new Map(); // subscription id -> kind
  const pending = new Map(); // request id -> kind
  ws.onopen = () => {
    retry = 500;
    for (const kind of ["newHeads", "seqguard_inspections"]) {
      const id = nextId++;
      pending.set(id, kind);
      ws.send(JSON.stringify({ jsonrpc: "2.0", id, method: "eth_subscribe", params: [kind] }));
    }
    connected = true;
    emit("connection", true);
  };
  ws.onmessage = (ev) => {
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch (_) {
      return;
    }
    if (msg.id !== undefined && pending.has(msg.id)) {
      if (msg.result) subs.set(msg.result, pending.get(msg.id));
      pending.delete(msg.id);
    } else if (msg.method === "eth_subscription") {
      const kind = subs.get(msg.params.subscription);
      if (kind) emit(kind, msg.params.result);
    }
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    connected = false;
    emit("connection", false);
    setTimeout(connectLive, retry);
    retry = Math.min(retry * 2, 10000);
  };
}
