// Statistics: throughput, verdicts, detector hits, inspection latency, quarantine size.
import { barChart, lineChart } from "../charts.js";
import { on, rpc } from "../rpc.js";
import { h } from "../ui.js";

const WINDOWS = [[300, "5 minutes"], [900, "15 minutes"], [3600, "1 hour"]];

export async function statsPage(view, query) {
  const seconds = Number(query.get("window")) || 900;
  const picker = h("nav", { class: "windows", "aria-label": "Time window" },
    WINDOWS.map(([s, label]) => h("a", { href: `#/stats?window=${s}`, "aria-current": s === seconds ? "true" : null }, label)));
  const box = h("div", { class: "charts" });
  const note = h("p", { class: "muted" });
  view.root.append(h("h1", {}, "Statistics"), picker, note, box);

  async function draw() {
    const s = await rpc("seqguard_stats", [{ seconds }]);
    const times = s.buckets.map((b) => b.t);
    const v = (f) => s.buckets.map(f);
    const names = [...new Set([...Object.keys(s.hits), ...s.buckets.flatMap((b) => Object.keys(b.noted))])].sort();
    const windowHits = names.map((name) => ({
      name,
      value: s.buckets.reduce((n, b) => n + (b.hits[name] || 0), 0),
      noted: s.buckets.reduce((n, b) => n + (b.noted[name] || 0), 0),
    })).filter((x) => x.value || x.noted).map((x) => ({ ...x, text: `${x.value} acted on, ${x.noted} noted` }));
    note.textContent = `Buckets of ${s.bucketSeconds} s since the node started (${new Date(s.since * 1000).toLocaleString()}). Totals since start: ${s.totals.txs || 0} transactions in ${s.totals.blocks || 0} blocks; verdicts ${s.totals.allow || 0} allowed, ${s.totals.quarantine || 0} held, ${s.totals.reject || 0} rejected.`;
    box.replaceChildren(
      lineChart({ id: "chart-tps", title: "Transactions per second (included)", times, unit: "tx/s", series: [{ name: "tx/s", values: v((b) => b.tps) }], format: (x) => (x >= 10 ? x.toFixed(0) : x.toFixed(2)) }),
      lineChart({ id: "chart-verdicts", title: "Verdicts per interval", times, series: [
        { name: "allowed", values: v((b) => b.verdicts.allow || 0) },
        { name: "held", values: v((b) => b.verdicts.quarantine || 0) },
        { name: "rejected", values: v((b) => b.verdicts.reject || 0) },
      ], format: (x) => String(Math.round(x)), integer: true }),
      barChart({ id: "chart-detectors", title: "Detector hits in this window", items: windowHits.sort((a, b) => b.value - a.value || b.noted - a.noted), empty: "No detector found anything in this window." }),
      lineChart({ id: "chart-latency", title: "Inspection latency per transaction", times, unit: "ms", series: [
        { name: "p50", values: v((b) => b.p50Ms) },
        { name: "p99", values: v((b) => b.p99Ms) },
      ], format: (x) => x.toFixed(2) }),
      lineChart({ id: "chart-quarantine", title: "Transactions held in quarantine", times, series: [{ name: "held", values: v((b) => b.quarantined) }], format: (x) => String(Math.round(x)), integer: true }),
    );
  }
  await draw();
  let pending = false;
  const redraw = () => {
    if (pending) return;
    pending = true;
    setTimeout(() => { pending = false; draw().catch(() => {}); }, 1000);
  };
  const off = on("newHeads", redraw);
  const poll = setInterval(redraw, 5000); // empty intervals keep the time axis moving
  view.cleanup = () => { off(); clearInterval(poll); };
}
