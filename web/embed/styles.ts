/**
 * The widget's stylesheet, scoped by the shadow root. Sites theme it with CSS custom properties set on the host
 * element (e.g. `#parley { --parley-accent: #b00020; --parley-accent-text: #fff; }`), which win over these defaults. Dark colours apply with
 * data-theme="dark", or with data-theme="auto" (the default) when the reader's system prefers dark.
 */
const LIGHT = `--parley-text:#1d1d1f;--parley-muted:#5b5d63;--parley-bg:#fff;--parley-surface:#f4f4f1;--parley-border:#deded8;
--parley-field:#fff;--parley-field-border:#8a8c92;--parley-accent:#0b57d0;--parley-accent-text:#fff;--parley-error:#b3261e;
--parley-note:#7a4f00;--parley-note-bg:#fff6e0;`;

const DARK = `--parley-text:#e9e7e4;--parley-muted:#a9abb2;--parley-bg:#16171a;--parley-surface:#212328;--parley-border:#34373e;
--parley-field:#1c1d21;--parley-field-border:#80838c;--parley-accent:#8ab4ff;--parley-accent-text:#0d1526;--parley-error:#ff8f85;
--parley-note:#ffd58a;--parley-note-bg:#2e2616;color-scheme:dark;`;

export const CSS = `
:host{all:initial;display:block;${LIGHT}--parley-font:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","PingFang SC","Microsoft YaHei",sans-serif;
--parley-radius:8px;--parley-indent:2.75rem;color-scheme:light}
:host([data-theme=dark]){${DARK}}
@media (prefers-color-scheme:dark){:host(:not([data-theme=light])){${DARK}}}
:host([hidden]){display:none}
.p{font:16px/1.6 var(--parley-font);color:var(--parley-text);background:var(--parley-bg);padding:1.25rem 0;text-align:start;
-webkit-text-size-adjust:100%;overflow-wrap:break-word}
*,*::before,*::after{box-sizing:border-box}
h2,h3{font-weight:700;line-height:1.3;margin:0}
h2{font-size:1.375rem}
h3{font-size:1.2rem}
a{color:var(--parley-accent)}
button{font:inherit;color:inherit}
:focus-visible{outline:2px solid var(--parley-accent);outline-offset:2px}
[hidden]{display:none!important}
.bar{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem 1rem;
padding-bottom:.75rem;border-bottom:1px solid var(--parley-border)}
.sort{display:inline-flex;align-items:center;gap:.5rem;font-size:.875rem;color:var(--parley-muted)}
.seg{display:inline-flex;border:1px solid var(--parley-field-border);border-radius:999px;overflow:hidden}
.seg button{border:0;background:transparent;padding:.3rem .8rem;cursor:pointer;color:var(--parley-text)}
.seg button[aria-pressed=true]{background:var(--parley-text);color:var(--parley-bg)}
ol{list-style:none;margin:0;padding:0}
.list>li{border-bottom:1px solid var(--parley-border)}
.c{padding-top:1.1rem}
.list>.c{padding-bottom:1.1rem}
.c>article{display:grid;grid-template-columns:40px minmax(0,1fr);column-gap:.85rem;border-radius:var(--parley-radius)}
.c>article:focus{outline:2px solid var(--parley-accent);outline-offset:4px}
.av{grid-row:1/span 4;width:40px;height:40px;border-radius:50%;overflow:hidden;display:block}
.av svg,.av img{display:block;width:100%;height:100%}
.meta{display:flex;flex-wrap:wrap;align-items:baseline;gap:.1rem .6rem;line-height:1.4}
.who{font-weight:700}
.mod{font-size:.75em;font-weight:600;padding:0 .4em;border:1px solid currentColor;border-radius:3px}
.who a{color:inherit;text-decoration-color:var(--parley-muted);text-underline-offset:2px}
.meta time,.ed{font-size:.8125rem;color:var(--parley-muted)}
.body{min-width:0}
.body>:first-child{margin-top:.3rem}
.body p,.body ul,.body ol,.body blockquote,.body pre{margin:.5rem 0}
.body ol,.body ul{padding-left:1.5rem}
.body ol{list-style:decimal}.body ul{list-style:disc}
.body blockquote{border-left:3px solid var(--parley-border);padding-left:.8rem;color:var(--parley-muted)}
.body pre,.body code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875em}
.body pre{background:var(--parley-surface);padding:.6rem .8rem;border-radius:6px;white-space:pre-wrap;overflow-wrap:anywhere}
.body a{overflow-wrap:anywhere}
.del{color:var(--parley-muted);font-style:italic;margin:.35rem 0}
.note{margin:.35rem 0;padding:.3rem .6rem;border-radius:6px;font-size:.875rem;color:var(--parley-note);background:var(--parley-note-bg);justify-self:start}
.acts{display:flex;flex-wrap:wrap;gap:.1rem 1rem;margin-top:.2rem}
.link{border:0;background:none;padding:.2rem 0;cursor:pointer;font-size:.875rem;font-weight:600;color:var(--parley-muted)}
.link:hover{color:var(--parley-accent);text-decoration:underline}
.kids{margin-left:calc(40px + .85rem - 1.1rem);padding-left:1.1rem;border-left:2px solid var(--parley-border)}
.kids.flat{margin-left:0;padding-left:0;border-left:0}
.kids:empty{display:none}
.more{display:block;margin:1.25rem auto 0}
.empty{color:var(--parley-muted);margin:1rem 0}
.status{margin:1rem 0 0;padding:.65rem .85rem;border-radius:var(--parley-radius);background:var(--parley-surface);border-left:4px solid var(--parley-accent)}
.status.bad{border-left-color:var(--parley-error)}
.status:empty{display:none}
.respond{margin-top:1.75rem}
.c .respond{margin:1rem 0 .25rem;padding:1rem;border:1px solid var(--parley-border);border-radius:var(--parley-radius);background:var(--parley-surface)}
.rt{display:flex;flex-wrap:wrap;align-items:baseline;gap:.25rem 1rem}
.rt .link{font-size:.875rem}
.notes{font-size:.875rem;color:var(--parley-muted);margin:.35rem 0 1rem}
.req{color:var(--parley-error)}
.f{margin:0 0 1rem}
.row{display:grid;grid-template-columns:repeat(auto-fit,minmax(12.5rem,1fr));gap:0 1rem}
label{display:block;font-weight:600;font-size:.9375rem;margin-bottom:.3rem}
input,textarea{display:block;width:100%;font:inherit;color:var(--parley-text);background:var(--parley-field);
border:1px solid var(--parley-field-border);border-radius:6px;padding:.55rem .7rem;margin:0}
textarea{min-height:8rem;resize:vertical;line-height:1.5}
input:focus,textarea:focus{border-color:var(--parley-accent);outline:2px solid var(--parley-accent);outline-offset:0}
[aria-invalid=true]{border-color:var(--parley-error);box-shadow:0 0 0 1px var(--parley-error)}
.err{color:var(--parley-error);font-size:.875rem;margin:.3rem 0 0;font-weight:600}
.chk{display:flex;align-items:flex-start;gap:.6rem;margin:0 0 1.1rem}
.chk input{width:1.1rem;height:1.1rem;flex:none;margin:.2rem 0 0;accent-color:var(--parley-accent)}
.chk label{font-weight:400;font-size:.9375rem;margin:0}
.hp{display:none}
.hint{margin:-.6rem 0 1rem}
.preview{margin:0 0 1rem;padding:.25rem .85rem;border:1px dashed var(--parley-field-border);border-radius:6px}
.btns{display:flex;flex-wrap:wrap;gap:.5rem}
.btn{display:inline-block;border:0;border-radius:6px;padding:.65rem 1.25rem;background:var(--parley-accent);
color:var(--parley-accent-text);font-weight:700;cursor:pointer}
.btn:hover{filter:brightness(1.08)}
.btn[aria-disabled=true]{opacity:.65;cursor:progress}
.btn2{display:inline-block;border:1px solid var(--parley-field-border);border-radius:6px;padding:.6rem 1.1rem;background:transparent;cursor:pointer;font-weight:600}
.c>article>:not(.av){grid-column:2}
.ed-form{margin:.5rem 0}
.ed-form .acts{gap:.5rem;margin-top:.5rem}
.vh{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap}
@media (max-width:480px){
.p{font-size:15px}
input,textarea{font-size:16px}
.c>article{grid-template-columns:32px minmax(0,1fr);column-gap:.65rem}
.av{width:32px;height:32px}
.kids{margin-left:.5rem;padding-left:.75rem}
.c .respond{padding:.75rem}
.btn{width:100%}
}
`;
