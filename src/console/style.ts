// The console's stylesheet, served as /console/assets/console.css (a constant, so that the build output carries it).
// System fonts, contrast of at least 4.5:1, visible focus, one column on a phone, tables that scroll sideways.
export const CONSOLE_CSS = `
:root { --fg: #1a1a1a; --muted: #555; --bg: #fff; --line: #ccc; --accent: #0b57d0; --bad: #a50e0e; --warn: #7a4d00; --ok: #0d652d; --chip: #f1f3f4; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--bg); padding: .5rem; }
.skip:focus { left: .5rem; z-index: 10; }
header { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; }
nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
nav a { text-decoration: none; padding: .25rem 0; }
nav a[aria-current="page"] { font-weight: 700; border-bottom: 3px solid var(--accent); }
.logout { margin-left: auto; display: flex; gap: .5rem; align-items: center; }
main { padding: 1rem; max-width: 80rem; }
h1 { font-size: 1.5rem; margin: .25rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
button, input, select, textarea { font: inherit; }
button { cursor: pointer; padding: .35rem .8rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; }
button.secondary { background: var(--bg); color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
input, select, textarea { padding: .3rem .4rem; border: 1px solid #767676; border-radius: 4px; max-width: 100%; }
label { display: block; font-weight: 600; margin: .5rem 0 .15rem; }
.row { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; }
.row label { margin-top: 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); padding: .25rem 0; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .9rem; }
.muted { color: var(--muted); }
.chip { display: inline-block; padding: 0 .4rem; border-radius: 3px; background: var(--chip); font-size: .85rem; margin: 0 .2rem .2rem 0; }
.sev-critical, .sev-high { color: var(--bad); font-weight: 700; }
.sev-medium { color: var(--warn); font-weight: 700; }
.state-failed { color: var(--bad); font-weight: 700; }
.state-acknowledged { color: var(--ok); font-weight: 700; }
.state-escalating { color: var(--warn); font-weight: 700; }
.notice { padding: .5rem .75rem; border-radius: 4px; border: 1px solid; }
.notice.ok { color: var(--ok); background: #e6f4ea; }
.notice.error { color: var(--bad); background: #fce8e6; }
.counts { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; margin: .5rem 0; padding: 0; list-style: none; }
.actions { display: flex; flex-wrap: wrap; gap: 1rem; align-items: end; margin: 1rem 0; }
.actions form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
ol.timeline { list-style: none; padding: 0; margin: 0; border-left: 3px solid var(--line); }
ol.timeline li { padding: .25rem 0 .5rem .75rem; }
.error-text { color: var(--bad); overflow-wrap: anywhere; }
.login { max-width: 26rem; }
.login input { width: 100%; }
@media (max-width: 40rem) {
  main { padding: .75rem; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: .4rem; }
  .logout { margin-left: 0; }
  th, td { padding: .35rem .3rem; }
  table.cards thead { position: absolute; left: -9999px; }
  table.cards tr { display: block; border-bottom: 1px solid var(--line); padding: .4rem 0; }
  table.cards td { display: block; border: none; padding: .1rem 0; overflow-wrap: anywhere; }
  table.cards td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); font-size: .85rem; }
  table.cards td[data-label="Alert"]::before { content: none; }
}
`;
