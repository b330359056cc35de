/** The stylesheet of Parley's own pages (/demo, /threads/html), inlined and allowed by its hash in their CSP. */
import { styleHash } from '../html.js';

export const SITE_CSS = `
:root{--text:#1d1d1f;--muted:#5b5d63;--bg:#fff;--rule:#deded8;--accent:#0b57d0;--surface:#f4f4f1;--error:#b3261e;--ok:#1e6b34;
--serif:Charter,"Bitstream Charter","Sitka Text",Cambria,Georgia,serif;
--sans:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--text:#e9e7e4;--muted:#a9abb2;--bg:#16171a;--rule:#34373e;--accent:#8ab4ff;--surface:#212328;--error:#ff8f85;--ok:#8fd6a0}}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:17px/1.65 var(--serif)}
a{color:var(--accent)}
.wrap{max-width:44rem;margin:0 auto;padding:0 1.25rem}
.mast{border-bottom:3px double var(--rule);margin-bottom:2rem}
.mast .wrap{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:.25rem 1rem;padding-top:1rem;padding-bottom:.75rem}
.brand{font:700 1.6rem/1.2 var(--serif);color:var(--text);text-decoration:none;letter-spacing:-.01em}
.sections{font:600 .8rem/1.4 var(--sans);text-transform:uppercase;letter-spacing:.06em;color:var(--muted);display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0;list-style:none}
.kicker{font:700 .8rem/1.4 var(--sans);text-transform:uppercase;letter-spacing:.08em;color:var(--accent);margin:0 0 .5rem}
h1{font:700 clamp(1.9rem,5vw,2.6rem)/1.15 var(--serif);letter-spacing:-.015em;margin:0 0 .75rem}
.dek{font-size:1.2rem;line-height:1.5;color:var(--muted);margin:0 0 1rem}
.byline{font:.875rem/1.5 var(--sans);color:var(--muted);border-top:1px solid var(--rule);border-bottom:1px solid var(--rule);padding:.6rem 0;margin:0 0 1.5rem}
.byline strong{color:var(--text)}
figure{margin:0 0 1.5rem}
figure svg{display:block;width:100%;height:auto;border-radius:4px}
figcaption{font:.8rem/1.5 var(--sans);color:var(--muted);margin-top:.4rem}
article p{margin:0 0 1.1rem}
.drop::first-letter{float:left;font-size:3.4em;line-height:.85;padding:.08em .08em 0 0;font-weight:700}
blockquote.pull{margin:1.5rem 0;padding:0 0 0 1rem;border-left:4px solid var(--accent);font-size:1.25rem;line-height:1.45;font-style:italic}
.comments{margin:2.5rem 0 0;border-top:3px double var(--rule);padding-top:.5rem}
.more{margin:2.5rem 0;padding:1rem 1.25rem;background:var(--surface);border-radius:8px;font-family:var(--sans)}
.more h2{font:700 1rem/1.4 var(--sans);margin:0 0 .5rem}
.more ul{margin:0;padding:0;list-style:none}
.more li{display:flex;flex-wrap:wrap;justify-content:space-between;gap:0 1rem;padding:.4rem 0;border-top:1px solid var(--rule)}
.more li:first-child{border-top:0}
.count{color:var(--muted);font-size:.875rem;white-space:nowrap}
.embed{font:.875rem/1.5 var(--sans);color:var(--muted)}
pre{background:var(--surface);color:var(--text);padding:.75rem 1rem;border-radius:6px;white-space:pre-wrap;overflow-wrap:anywhere;font:.8rem/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
@media (prefers-color-scheme:dark){figure svg{filter:brightness(.82)}}
footer{border-top:1px solid var(--rule);margin-top:3rem;padding:1rem 0 2rem;font:.8rem/1.5 var(--sans);color:var(--muted)}
.t{font-family:var(--sans);font-size:16px;line-height:1.6}
.t h1{font:700 1.6rem/1.25 var(--sans)}
.t h2{font:700 1.25rem/1.3 var(--sans);margin:2rem 0 .5rem}
.t ol{list-style:none;margin:0;padding:0}
.t .c{border-top:1px solid var(--rule);padding:1rem 0 0;margin:0 0 1rem}
.t .kids{margin:0 0 0 1.25rem;padding-left:1rem;border-left:2px solid var(--rule)}
.t .kids .c{border-top:0;padding-top:.25rem}
.t .who{font-weight:700}
.t .mod{font-size:.75em;font-weight:600;padding:0 .4em;border:1px solid currentColor;border-radius:3px}
.t .when,.t .ed{font-size:.8125rem;color:var(--muted)}
.t .body p{margin:.4rem 0}
.t .meta{margin:0}
.t .body blockquote{margin:.5rem 0;padding-left:.8rem;border-left:3px solid var(--rule);color:var(--muted)}
.t .body pre{white-space:pre-wrap}
.t .acts{margin:.25rem 0 0;font-size:.875rem;font-weight:600}
.t .del{color:var(--muted);font-style:italic}
.t .nav{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;font-size:.875rem;margin:1rem 0}
.t .outcome{padding:.75rem 1rem;border-radius:6px;background:var(--surface);border-left:4px solid var(--ok);margin:1rem 0}
.t .outcome.bad{border-left-color:var(--error)}
.t label{display:block;font-weight:600;margin:0 0 .25rem}
.t input,.t textarea{display:block;width:100%;font:inherit;color:var(--text);background:var(--bg);border:1px solid #8a8c92;border-radius:6px;padding:.5rem .7rem}
.t textarea{min-height:9rem}
.t .chk{display:flex;align-items:baseline;gap:.5rem}
.t .chk input{display:inline-block;width:auto;flex:none}
.t .chk label{display:inline;font-weight:400;margin:0}
.t .f{margin:0 0 1rem}
.t .req,.t .err{color:var(--error)}
.t .err{font-size:.875rem;font-weight:600;margin:.25rem 0 0}
.t [aria-invalid=true]{border-color:var(--error);box-shadow:0 0 0 1px var(--error)}
.t .notes{font-size:.875rem;color:var(--muted)}
.t button{font:700 1rem/1 var(--sans);background:var(--accent);color:var(--bg);border:0;border-radius:6px;padding:.75rem 1.25rem;cursor:pointer}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
`;

export const SITE_CSS_HASH = styleHash(SITE_CSS);
