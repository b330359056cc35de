/** The moderation page's styles, applied as a constructed stylesheet so the page's CSP needs no inline styles. */
export const ADMIN_CSS = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1b1b; --muted: #666; --line: #ddd; --accent: #0b57d0; --ok: #137333; --bad: #b3261e; --warn: #8a5a00; --focus: #fff7d6; }
@media (prefers-color-scheme: dark) { :root { --bg: #121212; --fg: #e8e8e8; --muted: #a0a0a0; --line: #333; --accent: #8ab4f8; --ok: #81c995; --bad: #f28b82; --warn: #fdd663; --focus: #2a2a1e; } }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
#app { max-width: 960px; margin: 0 auto; padding: 16px; }
header { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
header h1 { font-size: 1.25rem; margin: 0 auto 0 0; }
input[type=search], input[type=password] { font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); min-width: 240px; }
button { font: inherit; cursor: pointer; border: 1px solid var(--line); background: var(--bg); color: var(--fg); border-radius: 6px; padding: 4px 10px; }
button:disabled { opacity: .5; cursor: default; }
button:focus-visible, a:focus-visible, input:focus-visible, article:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
button.link { border: none; background: none; color: var(--accent); padding: 4px 6px; }
.tabs { display: flex; gap: 4px; margin: 16px 0 8px; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
.tabs button { border: none; border-bottom: 3px solid transparent; border-radius: 0; padding: 8px 12px; }
.tabs button[aria-selected=true] { border-bottom-color: var(--accent); font-weight: 600; }
.help { color: var(--muted); font-size: .85rem; margin: 4px 0; }
.live { min-height: 1.5em; font-size: .9rem; }
.live.error, .error { color: var(--bad); }
.toolbar { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; padding: 8px 0; position: sticky; top: 0; background: var(--bg); z-index: 1; }
.count { color: var(--muted); margin-right: 8px; }
.comment { display: flex; gap: 12px; padding: 12px; border: 1px solid var(--line); border-radius: 8px; margin: 8px 0; }
.comment.focused { background: var(--focus); }
.comment .body { flex: 1; min-width: 0; }
.thread, .meta { color: var(--muted); font-size: .85rem; overflow-wrap: anywhere; }
.who { margin: 2px 0; overflow-wrap: anywhere; }
.email { color: var(--muted); }
.badge { font-size: .75rem; font-weight: 600; padding: 0 6px; border: 1px solid currentColor; border-radius: 4px; }
a { color: var(--accent); }
.reasons { color: var(--warn); font-size: .85rem; }
.parent { margin: 6px 0; padding: 4px 10px; border-left: 3px solid var(--line); }
.parent p { margin: 2px 0; color: var(--muted); overflow-wrap: anywhere; }
.text { margin: 8px 0; overflow-wrap: anywhere; }
.text blockquote { border-left: 3px solid var(--line); margin: 0; padding-left: 10px; color: var(--muted); }
.text pre { overflow: auto; }
.text.before { color: var(--muted); border-left: 3px solid var(--warn); padding-left: 8px; }
.actions { display: flex; gap: 6px; flex-wrap: wrap; }
.act.approve, .act.ham, .act.restore { border-color: var(--ok); color: var(--ok); }
.act.spam, .act.delete { border-color: var(--bad); color: var(--bad); }
.more { margin-top: 4px; }
.empty { color: var(--muted); padding: 24px 0; }
.more-btn { margin: 12px 0; }
.signin { max-width: 380px; margin: 15vh auto; display: grid; gap: 8px; }
.signin h1 { font-size: 1.4rem; }
.views { display: flex; gap: 4px; flex-wrap: wrap; margin: 12px 0 0; }
.views button[aria-current=page] { border-color: var(--accent); color: var(--accent); font-weight: 600; }
.search { margin-top: 12px; }
h2 { font-size: 1.1rem; margin: 16px 0 4px; }
table { width: 100%; border-collapse: collapse; margin: 8px 0; font-size: .9rem; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td { overflow-wrap: anywhere; }
select, input[type=text], input[type=email], input[type=number], input[type=datetime-local], textarea {
  font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); max-width: 100%;
}
textarea { width: 100%; display: block; }
.field { display: grid; gap: 4px; margin: 8px 0; max-width: 420px; }
.compose { display: grid; gap: 6px; margin-top: 8px; }
dialog { border: 1px solid var(--line); border-radius: 10px; background: var(--bg); color: var(--fg); padding: 16px 20px; max-width: min(480px, 92vw); }
dialog::backdrop { background: rgba(0, 0, 0, .45); }
dialog h2 { margin-top: 0; }
select:focus-visible, textarea:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
/* Touch screens have no keyboard to use the shortcuts with. */
@media (hover: none) { .keys { display: none; } }
/* iOS zooms into smaller form fields. */
@media (max-width: 600px) { input, select, textarea { font-size: 16px; } }
`;
