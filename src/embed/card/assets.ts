// The card's style and script, inlined into the page under a per-response CSP nonce, and the embed.js loader.
// Written small by hand: no framework, one round trip.

export const CARD_STYLE = `:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#5b6470;--line:#d8dde3;--ok:#1a7f37;--warning:#9a6700;--error:#cf222e;--unknown:#6e7781}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--ok:#3fb950;--warning:#d29922;--error:#f85149;--unknown:#8b949e}}
*{box-sizing:border-box}body{margin:0;padding:8px;background:var(--bg);color:var(--fg);font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{display:grid;gap:8px}.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px}
header{display:flex;justify-content:space-between;align-items:center;gap:8px}h2{font-size:15px;margin:0}
.badge{font-size:12px;font-weight:600;padding:2px 8px;border-radius:999px;border:1px solid currentColor;white-space:nowrap}
.ok{color:var(--ok)}.warning{color:var(--warning)}.error{color:var(--error)}.unknown{color:var(--unknown)}
.mode{margin:4px 0 8px;color:var(--muted)}.action{color:var(--error)}
dl{display:grid;grid-template-columns:repeat(auto-fit,minmax(110px,1fr));gap:6px 12px;margin:0}
dt{font-size:12px;color:var(--muted)}dd{margin:0;font-weight:600}small{font-weight:400;color:var(--muted)}
footer{margin-top:8px;font-size:12px;color:var(--muted)}.stale{color:var(--warning);font-weight:600}
.notice{margin:8px 0 0;padding:8px 10px;border-radius:6px;border:1px solid var(--warning);color:var(--warning)}.notice[hidden]{display:none}
.empty{color:var(--muted)}`;

/** Polls for fresh cards with If-None-Match, keeps "… ago" current, and tells the parent page its height. */
export const CARD_SCRIPT = `(()=>{const c=JSON.parse(document.getElementById("config").textContent),m=document.getElementById("cards"),n=document.querySelector(".notice");let e=c.etag,t=null;const r=new Intl.RelativeTimeFormat(c.lang,{numeric:"auto"});
function a(s){const d=Math.round((Date.parse(s)-Date.now())/1e3),x=Math.abs(d);return x<60?r.format(d,"second"):x<3600?r.format(Math.round(d/60),"minute"):x<86400?r.format(Math.round(d/3600),"hour"):r.format(Math.round(d/86400),"day")}
function k(){for(const el of document.querySelectorAll("time[datetime]"))if(el.dateTime)el.textContent=a(el.dateTime)}
function z(){const h=Math.ceil(document.documentElement.getBoundingClientRect().height);for(const o of c.origins)try{parent.postMessage({type:"heat-pump-edge:height",height:h},o)}catch{}}
function s(x){n.textContent=x||"";n.hidden=!x;z()}
async function f(){if(!c.refresh||document.hidden)return;try{const q=await fetch(c.refresh,{headers:e?{"if-none-match":e}:{},cache:"no-store"});if(q.status===401){s(c.expired);document.body.classList.add("expired");clearInterval(t);return}if(q.status===304){s("");return}if(!q.ok){s(c.unavailable);return}e=q.headers.get("etag");m.innerHTML=await q.text();s("");k()}catch{s(c.unavailable)}}
if(c.refresh){t=setInterval(f,c.every*1e3);document.addEventListener("visibilitychange",f)}setInterval(k,3e4);addEventListener("resize",z);z()})();`;

/** `<script src=".../embed.js" data-token="…" data-lang="de" async></script>` inserts and sizes the card. */
export const EMBED_LOADER = `(()=>{const s=document.currentScript;if(!s||!s.dataset.token)return;const b=new URL(s.src).origin,f=document.createElement("iframe");
f.src=b+"/embed/heat-pumps?token="+encodeURIComponent(s.dataset.token)+"&lang="+encodeURIComponent(s.dataset.lang||document.documentElement.lang||"en");
f.title=s.dataset.title||"Heat pump status";f.loading="lazy";f.style.cssText="border:0;width:100%;height:"+(s.dataset.height||"240")+"px;color-scheme:normal";
addEventListener("message",e=>{if(e.origin===b&&e.source===f.contentWindow&&e.data&&e.data.type==="heat-pump-edge:height")f.style.height=e.data.height+"px"});
const t=s.dataset.target&&document.getElementById(s.dataset.target);t?t.appendChild(f):s.after(f)})();`;
