// Operator desk: log in, tune detectors, invariants and lists, read the audit log.
// Every change is checked and recorded by the node; this page only asks.
import { rpc, session, setSession } from "../rpc.js";
import { addressText, h, isAddress, rerender, section, table, when } from "../ui.js";

const LIST_HELP = {
  "deny-senders": "senders whose transactions are held",
  "deny-recipients": "recipients (also of token transfers) that get a transaction held",
  "deny-contracts": "contracts whose use anywhere in a call gets a transaction held",
  "allow-senders": "senders whose transactions skip inspection",
};

export async function operatorPage(view) {
  view.root.append(h("h1", {}, "Operator"));
  if (!session()) {
    view.root.append(loginForm());
    return;
  }
  const s = session();
  const status = h("p", { class: "summary", role: "status", id: "op-status" });
  view.root.append(
    h("div", { class: "whoami" }, h("span", {}, `Logged in as ${s.actor}; the session ends ${when(s.expiresAt)}.`),
      h("button", { type: "button", id: "logout", onclick: logout }, "Log out")),
    h("p", {}, "Held transactions are released, rejected or extended from the ", h("a", { href: "#/quarantine?status=quarantined" }, "quarantine list"), " or a transaction's page."),
    status,
  );
  const say = (text, bad = false) => {
    status.textContent = text;
    status.className = `summary ${bad ? "error" : ""}`;
  };
  const parts = [detectorsSection, invariantsSection, listsSection, auditSection];
  for (const part of parts) view.root.append(await part(say));
}

function loginForm() {
  const name = h("input", { id: "login-name", autocomplete: "username", required: true, maxlength: "64" });
  const token = h("input", { id: "login-token", type: "password", autocomplete: "current-password", required: true });
  const error = h("p", { class: "error", role: "alert", id: "login-error" });
  const form = h("form", { class: "login", id: "login-form" },
    h("p", {}, "Log in with the node's admin token (SEQGUARD_ADMIN_TOKEN). Your name goes into the audit log with every action."),
    h("label", { for: "login-name" }, "Your name"), name,
    h("label", { for: "login-token" }, "Admin token"), token,
    error,
    h("button", { type: "submit", class: "primary" }, "Log in"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    try {
      const s = await rpc("seqguard_login", [{ name: name.value.trim() }], token.value);
      setSession(s);
      rerender();
    } catch (err) {
      error.textContent = err.code === -32001 ? "The node refused these credentials." : err.message;
    }
  });
  const parts = [form];
  if (window.ethereum) {
    const wallet = h("button", { type: "button", id: "login-wallet" }, "Sign in with an admin wallet");
    wallet.addEventListener("click", () => walletLogin().catch((err) => { error.textContent = err.message; }));
    parts.push(h("p", {}, "Or sign one message with an address listed in --admin-addresses: "), wallet);
  }
  return h("div", { class: "login-box" }, ...parts);
}

async function walletLogin() {
  const [address] = await window.ethereum.request({ method: "eth_requestAccounts" });
  const timestamp = Math.floor(Date.now() / 1000);
  // the node's admin_message(method, params, timestamp); params are empty here
  const message = `seqguard admin\nseqguard_login\n{}\n${timestamp}`;
  const hex = "0x" + Array.from(new TextEncoder().encode(message), (b) => b.toString(16).padStart(2, "0")).join("");
  const signature = await window.ethereum.request({ method: "personal_sign", params: [hex, address] });
  setSession(await rpc("seqguard_login", [{ auth: { timestamp, signature } }]));
  rerender();
}

async function logout() {
  try {
    await rpc("seqguard_logout", [{}], true);
  } catch (_) {
    /* already gone */
  }
  setSession(null);
  rerender();
}

async function detectorsSection(say) {
  const detectors = await rpc("seqguard_detectors");
  const rows = detectors.map((d) => {
    const enabled = h("input", { type: "checkbox", checked: d.enabled, id: `det-${d.name}-enabled`, "aria-label": `${d.name} enabled` });
    const action = h("select", { id: `det-${d.name}-action`, "aria-label": `${d.name} action` },
      ["allow", "quarantine", "reject"].map((a) => h("option", { value: a, selected: a === d.action }, a)));
    const threshold = h("input", { type: "number", min: "0", max: "1", step: "0.05", value: String(d.threshold), id: `det-${d.name}-threshold`, "aria-label": `${d.name} threshold`, class: "narrow" });
    const save = h("button", { type: "button" }, "Save");
    save.addEventListener("click", async () => {
      try {
        const out = await rpc("seqguard_setDetector", [{ name: d.name, enabled: enabled.checked, action: action.value, threshold: Number(threshold.value) }], true);
        say(`${d.name}: ${out.enabled ? "on" : "off"}, ${out.action} at score ≥ ${out.threshold}`);
      } catch (err) {
        say(`${d.name}: ${err.message}`, true);
      }
    });
    return { ...d, enabled, action, threshold, save };
  });
  return section("Detectors",
    h("p", { class: "muted" }, "A finding scoring at or above the threshold gets the action; below it, the finding is only recorded."),
    table([["Detector", (r) => r.name], ["Enabled", (r) => r.enabled], ["Action", (r) => r.action], ["Threshold", (r) => r.threshold], ["", (r) => r.save]], rows, { empty: "Inspection is off on this node." }));
}

async function invariantsSection(say) {
  const box = h("div");
  const draw = async () => {
    const list = await rpc("seqguard_invariants");
    box.replaceChildren(table([
      ["Name", (i) => i.name],
      ["Contract", (i) => addressText(i.contract)],
      ["Check", (i) => h("code", {}, i.check)],
      ["", (i) => h("button", { type: "button", class: "danger", onclick: async () => {
        try {
          await rpc("seqguard_removeInvariant", [{ name: i.name }], true);
          say(`invariant ${i.name} removed`);
          await draw();
        } catch (err) { say(err.message, true); }
      } }, "Remove")],
    ], list, { empty: "No invariant registered." }));
  };
  const name = h("input", { id: "inv-name", required: true, placeholder: "vault-solvent" });
  const contract = h("input", { id: "inv-contract", required: true, placeholder: "0x…", spellcheck: "false" });
  const check = h("input", { id: "inv-check", required: true, placeholder: "totalAssets() >= totalSupply()", spellcheck: "false" });
  const form = h("form", { class: "inline-form", id: "invariant-form" },
    h("label", { for: "inv-name" }, "Name"), name,
    h("label", { for: "inv-contract" }, "Contract"), contract,
    h("label", { for: "inv-check" }, "Check"), check,
    h("button", { type: "submit" }, "Add invariant"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await rpc("seqguard_addInvariant", [{ name: name.value.trim(), contract: contract.value.trim(), check: check.value.trim() }], true);
      say(`invariant ${name.value.trim()} added`);
      form.reset();
      await draw();
    } catch (err) {
      say(err.message, true);
    }
  });
  await draw();
  return section("Invariants", h("p", { class: "muted" }, "View calls checked after every transaction that touches the contract; a transaction that breaks one is held."), box, form);
}

async function listsSection(say) {
  const box = h("div", { class: "lists" });
  const draw = async () => {
    const lists = await rpc("seqguard_lists");
    box.replaceChildren(...Object.keys(LIST_HELP).map((name) => {
      const members = lists[name] || [];
      const input = h("input", { id: `list-${name}-add`, placeholder: "0x…", spellcheck: "false", "aria-label": `Add to ${name}` });
      const form = h("form", { class: "inline-form" }, input, h("button", { type: "submit" }, "Add"));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const address = input.value.trim();
        if (!isAddress(address)) return say("an address is 0x and 40 hex digits", true);
        try {
          await rpc("seqguard_setList", [{ list: name, add: [address] }], true);
          say(`${address} added to ${name}`);
          await draw();
        } catch (err) { say(err.message, true); }
      });
      return h("div", { class: "list-box" }, h("h3", {}, name), h("p", { class: "muted" }, LIST_HELP[name]),
        members.length ? h("ul", {}, members.map((m) => h("li", {}, addressText(m), " ",
          h("button", { type: "button", class: "small", "aria-label": `Remove ${m} from ${name}`, onclick: async () => {
            try {
              await rpc("seqguard_setList", [{ list: name, remove: [m] }], true);
              say(`${m} removed from ${name}`);
              await draw();
            } catch (err) { say(err.message, true); }
          } }, "Remove")))) : h("p", { class: "empty" }, "Empty."),
        form);
    }));
  };
  await draw();
  return section("Deny and allow lists", box);
}

async function auditSection() {
  const box = h("div", { id: "audit" });
  const entries = await rpc("seqguard_auditLog", [{ limit: 100 }], true);
  box.append(table([
    ["When", (e) => when(e.at)],
    ["Who", (e) => e.actor],
    ["Action", (e) => e.action],
    ["Target", (e) => (e.target && e.target.startsWith("0x") && e.target.length === 66 ? h("a", { href: `#/tx/${e.target}`, class: "mono" }, e.target.slice(0, 12) + "…") : e.target || "–")],
    ["Detail", (e) => h("span", { class: "detail" }, Object.entries(e.detail).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join("; "))],
  ], entries, { empty: "No action yet." }));
  return section("Audit log (latest 100)", box);
}
