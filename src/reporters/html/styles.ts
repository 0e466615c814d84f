/** The report's only stylesheet; inlined, so the page needs nothing from the network. */
export const STYLES = `
:root {
  color-scheme: light dark;
  --bg: #fbfbfa; --fg: #1d2125; --muted: #5e6670; --line: #dde1e5; --panel: #ffffff; --code: #f1f3f5;
  --fail: #c62828; --error: #7b3fb5; --manual: #b26a00; --waived: #00796b; --pass: #2e7d32; --notApplicable: #8a9199;
  --focus: #1f6feb;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15181b; --fg: #e6e8ea; --muted: #a0a8b0; --line: #30363d; --panel: #1c2024; --code: #262b30;
    --fail: #ef5350; --error: #b388ff; --manual: #ffb74d; --waived: #4db6ac; --pass: #66bb6a; --notApplicable: #8a9199;
    --focus: #58a6ff;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 20px 64px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 12px; }
h3 { font-size: 15px; margin: 20px 0 8px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
code { background: var(--code); padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
.meta { color: var(--muted); margin: 0; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
td time { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }

.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 10px; margin: 16px 0; }
.tile { display: block; width: 100%; text-align: left; background: var(--panel); color: var(--fg); border: 1px solid var(--line);
  border-left: 5px solid var(--c); border-radius: 6px; padding: 10px 12px; cursor: pointer; font: inherit; }
.tile:hover, .tile:focus-visible { border-color: var(--c); outline: none; }
.tile[aria-pressed="true"] { box-shadow: inset 0 0 0 1px var(--c); }
.tile .n { display: block; font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
.tile .l { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.s-fail { --c: var(--fail); } .s-error { --c: var(--error); } .s-manual { --c: var(--manual); }
.s-waived { --c: var(--waived); } .s-pass { --c: var(--pass); } .s-notApplicable { --c: var(--notApplicable); }

.chart svg { display: block; width: 100%; height: auto; }
.chart text { fill: var(--fg); font: 12px system-ui, sans-serif; }
.chart text.total { font-weight: 650; }
.chart text.count { fill: var(--muted); font-variant-numeric: tabular-nums; }
.chart .row { cursor: pointer; }
.chart .row:hover text.label, .chart .row:focus text.label { text-decoration: underline; }
.chart .row:focus { outline: none; }
.chart .row:focus rect.hit { stroke: var(--focus); stroke-width: 2; }
.chart rect.hit { fill: transparent; }
.chart .fail { fill: var(--fail); } .chart .error { fill: var(--error); } .chart .manual { fill: var(--manual); }
.chart .waived { fill: var(--waived); } .chart .pass { fill: var(--pass); } .chart .notApplicable { fill: var(--notApplicable); }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin: 8px 0 0; padding: 0; list-style: none; color: var(--muted); font-size: 12px; }
.legend li::before { content: ""; display: inline-block; width: 10px; height: 10px; border-radius: 2px; background: var(--c); margin-right: 6px; vertical-align: -1px; }

.filters { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: center;
  background: var(--bg); border-bottom: 1px solid var(--line); padding: 10px 0; margin-bottom: 12px; }
.filters input[type="search"], .filters select { font: inherit; color: var(--fg); background: var(--panel);
  border: 1px solid var(--line); border-radius: 4px; padding: 5px 8px; }
.filters input[type="search"] { flex: 1 1 220px; min-width: 180px; }
.filters select { max-width: 280px; }
.filters fieldset { border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 10px; }
.filters legend { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.filters label { white-space: nowrap; }
.filters button { font: inherit; color: var(--fg); background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 4px 10px; cursor: pointer; }
.filters button:hover { border-color: var(--muted); }
.filters .shown { color: var(--muted); margin-left: auto; }
input:focus-visible, select:focus-visible, summary:focus-visible, button:focus-visible { outline: 2px solid var(--focus); outline-offset: 1px; }

.badge { display: inline-block; min-width: 64px; text-align: center; padding: 1px 6px; border-radius: 3px; font-size: 11px;
  font-weight: 700; letter-spacing: .04em; color: #fff; background: var(--c); }
.target { margin-top: 28px; }
.target > h2 { margin-bottom: 4px; }
.section > h3 { color: var(--muted); font-weight: 600; }
details.result { border: 1px solid var(--line); border-left: 4px solid var(--c); border-radius: 4px; background: var(--panel); margin: 4px 0; }
details.result > summary { list-style: none; cursor: pointer; padding: 6px 10px; display: flex; gap: 10px; align-items: baseline; }
details.result > summary::-webkit-details-marker { display: none; }
details.result > summary .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; min-width: 58px; }
details.result > summary .title { flex: 1; }
details.result > summary .where, details.result > summary .tag { color: var(--muted); font-size: 12px; }
details.result[open] > summary { border-bottom: 1px solid var(--line); }
.body { padding: 10px 14px 12px; }
.body p { margin: 6px 0; }
.body dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 8px 0; }
.body dt { color: var(--muted); }
.body dd { margin: 0; overflow-wrap: anywhere; }
.evidence td { font-size: 13px; overflow-wrap: anywhere; }
.waiver { border-left: 3px solid var(--waived); padding: 4px 10px; background: var(--code); border-radius: 3px; }
.expired { color: var(--fail); font-weight: 600; }
.empty { color: var(--muted); font-style: italic; padding: 12px 0; }
[hidden] { display: none !important; }
@media print {
  .filters { display: none; }
}
`;
