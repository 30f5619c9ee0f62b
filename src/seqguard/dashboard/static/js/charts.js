// Small SVG charts, written by hand. Series differ by dash and marker as well as
// colour, every chart has a text summary, and its numbers are one click away.
import { h } from "./ui.js";

const NS = "http://www.w3.org/2000/svg";
const W = 640;
const H = 200;
const PAD = { l: 48, r: 12, t: 12, b: 26 };
const STYLES = [
  { cls: "s0", dash: "", marker: "circle" },
  { cls: "s1", dash: "6 4", marker: "square" },
  { cls: "s2", dash: "2 3", marker: "triangle" },
];

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(c);
  return el;
}

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

const clock = (t) => new Date(t * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

function marker(kind, x, y, cls) {
  if (kind === "square") return svg("rect", { x: x - 3, y: y - 3, width: 6, height: 6, class: `mk ${cls}` });
  if (kind === "triangle") return svg("path", { d: `M${x},${y - 4} L${x + 4},${y + 3} L${x - 4},${y + 3} Z`, class: `mk ${cls}` });
  return svg("circle", { cx: x, cy: y, r: 3, class: `mk ${cls}` });
}

/**
 * A line chart over time. `series`: [{name, values: [number|null]}] aligned with `times`.
 * `unit` labels the y axis; `title` names the figure.
 */
export function lineChart({ title, times, series, unit = "", format = (v) => String(v), integer = false, id }) {
  const values = series.flatMap((s) => s.values.filter((v) => v !== null && v !== undefined));
  let max = niceMax(Math.max(0, ...values));
  if (integer) max = Math.ceil(max / 2) * 2; // the middle grid line on a whole number
  const n = Math.max(times.length - 1, 1);
  const x = (i) => PAD.l + (i / n) * (W - PAD.l - PAD.r);
  const y = (v) => H - PAD.b - (v / max) * (H - PAD.t - PAD.b);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, class: "chart" });
  for (const f of [0, 0.5, 1]) {
    root.append(svg("line", { x1: PAD.l, x2: W - PAD.r, y1: y(max * f), y2: y(max * f), class: "grid" }));
    const label = svg("text", { x: PAD.l - 6, y: y(max * f) + 4, class: "axis", "text-anchor": "end" });
    label.textContent = format(max * f);
    root.append(label);
  }
  const ticks = times.length > 1 ? [0, Math.floor((times.length - 1) / 2), times.length - 1] : [0];
  for (const i of ticks) {
    const label = svg("text", { x: x(i), y: H - 6, class: "axis", "text-anchor": i === 0 ? "start" : i === times.length - 1 ? "end" : "middle" });
    label.textContent = times.length ? clock(times[i]) : "";
    root.append(label);
  }
  const every = Math.max(1, Math.ceil(times.length / 24)); // markers: enough to tell series apart
  const has = (v) => v !== null && v !== undefined;
  series.forEach((s, k) => {
    const style = STYLES[k % STYLES.length];
    let d = "";
    s.values.forEach((v, i) => {
      if (has(v)) d += `${has(s.values[i - 1]) ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
    });
    root.append(svg("path", { d, class: `line ${style.cls}`, "stroke-dasharray": style.dash }));
    s.values.forEach((v, i) => {
      const alone = !has(s.values[i - 1]) && !has(s.values[i + 1]); // no line to show it
      if (has(v) && (alone || i % every === 0 || i === s.values.length - 1)) root.append(marker(style.marker, x(i), y(v), style.cls));
    });
  });
  const last = (s) => [...s.values].reverse().find((v) => v !== null && v !== undefined);
  const legend = h("ul", { class: "legend" }, series.map((s, k) => {
    const style = STYLES[k % STYLES.length];
    const key = svg("svg", { width: 28, height: 12, "aria-hidden": "true" },
      svg("line", { x1: 0, x2: 28, y1: 6, y2: 6, class: `line ${style.cls}`, "stroke-dasharray": style.dash }),
      marker(style.marker, 14, 6, style.cls));
    const v = last(s);
    return h("li", {}, key, ` ${s.name}: ${v === undefined ? "–" : format(v)}${unit ? " " + unit : ""} (latest)`);
  }));
  const data = h("details", { class: "chart-data" }, h("summary", {}, "Numbers"),
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Time"), series.map((s) => h("th", { scope: "col" }, s.name)))),
      h("tbody", {}, times.map((t, i) => h("tr", {}, h("td", {}, clock(t)), series.map((s) => h("td", {}, s.values[i] === null || s.values[i] === undefined ? "–" : format(s.values[i])))))))));
  return h("figure", { class: "chart-box", id }, h("figcaption", {}, title), root, legend, data);
}

/** Horizontal bars with the number written beside each: readable in any colour. */
export function barChart({ title, items, empty = "Nothing yet.", id }) {
  if (!items.length) return h("figure", { class: "chart-box", id }, h("figcaption", {}, title), h("p", { class: "empty" }, empty));
  const max = Math.max(...items.map((i) => i.value), 1);
  return h("figure", { class: "chart-box", id }, h("figcaption", {}, title),
    h("ul", { class: "bars" }, items.map((item) =>
      h("li", {},
        h("span", { class: "bar-label" }, item.name),
        h("span", { class: "bar-track", "aria-hidden": "true" }, h("span", { class: "bar", style: `width:${((item.value / max) * 100).toFixed(1)}%` })),
        h("span", { class: "bar-value" }, item.text || String(item.value))))));
}
