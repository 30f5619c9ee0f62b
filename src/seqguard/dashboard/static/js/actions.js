// Operator actions on a held transaction: a dialog that asks for the reason.
import { rpc, session } from "./rpc.js";
import { $, h, short } from "./ui.js";

const ACTIONS = {
  release: ["Release", "seqguard_release", "The transaction goes back to the builder and is included without new inspection."],
  reject: ["Reject", "seqguard_reject", "The transaction is refused for good; resubmitting it is refused too."],
  extend: ["Extend hold", "seqguard_extend", "Keep it held longer (empty: until an operator acts)."],
  falsePositive: ["Mark false positive", "seqguard_markFalsePositive", "Label the hold a mistake (a held transaction is released)."],
};

/** Ask for a reason and run one action on `hash`; resolves to the new record, or null if cancelled. */
function act(kind, hash) {
  const [title, method, help] = ACTIONS[kind];
  const dialog = $("action-dialog");
  $("action-title").textContent = `${title} ${short(hash)}`;
  $("action-target").replaceChildren(help);
  const extra = $("action-extra");
  extra.replaceChildren();
  let seconds = null;
  if (kind === "extend") {
    seconds = h("input", { id: "action-seconds", type: "number", min: "1", step: "1", value: "3600" });
    extra.append(h("label", { for: "action-seconds" }, "Hold for how many more seconds"), seconds);
  }
  const reason = $("action-reason");
  reason.value = "";
  $("action-error").textContent = "";
  $("action-confirm").textContent = title;
  return new Promise((resolve) => {
    const form = $("action-form");
    const done = (value) => {
      form.removeEventListener("submit", submit);
      $("action-cancel").removeEventListener("click", cancel);
      dialog.removeEventListener("cancel", cancel);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const cancel = (ev) => {
      if (ev) ev.preventDefault();
      done(null);
    };
    const submit = async (ev) => {
      ev.preventDefault();
      if (!reason.value.trim()) {
        $("action-error").textContent = "A reason is required.";
        reason.focus();
        return;
      }
      const params = { hash, reason: reason.value.trim() };
      if (seconds) params.seconds = seconds.value ? Number(seconds.value) : null;
      $("action-confirm").disabled = true;
      try {
        done(await rpc(method, [params], true));
      } catch (err) {
        $("action-error").textContent = err.message;
      } finally {
        $("action-confirm").disabled = false;
      }
    };
    form.addEventListener("submit", submit);
    $("action-cancel").addEventListener("click", cancel);
    dialog.addEventListener("cancel", cancel);
    dialog.showModal();
    reason.focus();
  });
}

/** Buttons for a held record when an operator is logged in; `after(record)` runs on success. */
export function actionButtons(record, after) {
  if (!session()) return null;
  const kinds = record.status === "quarantined" ? ["release", "reject", "extend", "falsePositive"] : record.falsePositive ? [] : ["falsePositive"];
  return h(
    "div",
    { class: "actions" },
    kinds.map((kind) =>
      h(
        "button",
        {
          type: "button",
          class: kind === "reject" ? "danger" : "",
          "data-action": kind,
          onclick: async () => {
            const updated = await act(kind, record.hash);
            if (updated) after(updated);
          },
        },
        ACTIONS[kind][0],
      ),
    ),
  );
}

