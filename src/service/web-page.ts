/**
 * The web page `trackprobe serve` shows at /: drop or pick a file, watch it analyse (progress,
 * previews, then the result), and see the waveform with the beat grid and downbeats, the track's
 * sections (coloured bands by kind, their height the section's energy) and cue points, the tempo
 * curve, the key on a Camelot wheel with its key changes, and the loudness; download the JSON.
 * One self-contained document (no build step, no third-party script); it uses only the service's
 * own API (POST /v1/analyses, the job's event stream, GET /v1/analyses/:id). The waveform is drawn
 * from the same file decoded by the browser (Web Audio), so the audio never goes back and forth.
 */
export function webPage(): string {
  return PAGE;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>trackprobe</title>
<style>
  :root { --fg: #1d2330; --muted: #667085; --line: #d0d5dd; --accent: #3b5bdb; --down: #e8590c; --bg: #f8f9fb; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
  main { max-width: 980px; margin: 0 auto; padding: 16px; }
  h1 { font-size: 22px; margin: 4px 0 12px; } h1 small { color: var(--muted); font-weight: 400; font-size: 14px; }
  #drop { display: block; border: 2px dashed var(--line); border-radius: 12px; padding: 28px 16px; text-align: center; background: #fff; cursor: pointer; }
  #drop.over { border-color: var(--accent); background: #eef2ff; }
  #drop input { display: none; }
  #token-row { display: none; margin-top: 10px; } #token-row.shown { display: block; }
  #token { width: 100%; max-width: 420px; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; }
  #status { margin: 14px 0 6px; min-height: 1.4em; }
  #status.error { color: #b42318; }
  progress { width: 100%; height: 8px; }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin: 12px 0; }
  .card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px; }
  .card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
  .card .value { font-size: 22px; font-weight: 600; } .card .sub { color: var(--muted); font-size: 13px; }
  .panel { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px; margin: 10px 0; }
  .panel h2 { font-size: 14px; margin: 0 0 6px; color: var(--muted); font-weight: 600; }
  canvas { width: 100%; display: block; }
  #wave { height: 170px; } #curve { height: 120px; }
  #sections { font-size: 13px; color: var(--muted); margin-top: 4px; }
  .k-intro { --k: #74c0fc; } .k-verse { --k: #a9e34b; } .k-build { --k: #ffd43b; } .k-drop { --k: #ff6b6b; } .k-breakdown { --k: #b197fc; } .k-outro { --k: #63e6be; }
  .row { display: grid; grid-template-columns: 260px 1fr; gap: 10px; }
  @media (max-width: 640px) { .row { grid-template-columns: 1fr; } .card .value { font-size: 18px; } }
  #wheel { width: 100%; max-width: 260px; height: auto; display: block; margin: 0 auto; }
  #segments { font-size: 13px; color: var(--muted); margin-top: 6px; }
  #preview { color: var(--muted); }
  #result, #preview-box { display: none; } #result.shown, #preview-box.shown { display: block; }
  button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
  .legend { font-size: 12px; color: var(--muted); } .legend b { display: inline-block; width: 10px; height: 10px; vertical-align: middle; }
</style>
</head>
<body>
<main>
  <h1>trackprobe <small>tempo · beat grid · key · loudness · danceability · energy · structure</small></h1>
  <label id="drop" data-testid="drop">
    <input id="file" type="file" accept="audio/*,.mp3,.flac,.ogg,.opus,.wav,.m4a,.aiff">
    <div><b>Drop an audio file here</b> or tap to pick one</div>
    <div class="legend">MP3, FLAC, Ogg, Opus, WAV (and what ffmpeg reads, when the server has it)</div>
  </label>
  <div id="token-row"><label>API token <input id="token" type="password" autocomplete="off"></label></div>
  <div id="status" role="status" data-testid="status"></div>
  <progress id="progress" max="1" value="0" hidden></progress>
  <div id="preview-box" class="panel" data-testid="preview"><h2>Preview (from the audio so far)</h2><div id="preview"></div></div>
  <section id="result" data-testid="result">
    <div class="cards">
      <div class="card"><div class="label">Tempo</div><div class="value" id="c-tempo">–</div><div class="sub" id="c-tempo-sub"></div></div>
      <div class="card"><div class="label">Key</div><div class="value" id="c-key">–</div><div class="sub" id="c-key-sub"></div></div>
      <div class="card"><div class="label">Loudness</div><div class="value" id="c-lufs">–</div><div class="sub" id="c-lufs-sub"></div></div>
      <div class="card"><div class="label">Meter</div><div class="value" id="c-meter">–</div><div class="sub" id="c-dur"></div></div>
      <div class="card"><div class="label">Danceability · energy</div><div class="value" id="c-dance">–</div><div class="sub" id="c-energy"></div></div>
    </div>
    <div class="panel"><h2>Waveform, beats, downbeats, sections and cues</h2><canvas id="wave" data-testid="wave"></canvas>
      <div class="legend"><b style="background:var(--accent)"></b> beat &nbsp; <b style="background:var(--down)"></b> downbeat &nbsp;
        <span class="k-intro"><b style="background:var(--k)"></b> intro</span> <span class="k-verse"><b style="background:var(--k)"></b> verse</span>
        <span class="k-build"><b style="background:var(--k)"></b> build</span> <span class="k-drop"><b style="background:var(--k)"></b> drop</span>
        <span class="k-breakdown"><b style="background:var(--k)"></b> breakdown</span> <span class="k-outro"><b style="background:var(--k)"></b> outro</span> &nbsp; ▲ cue</div>
      <div id="sections" data-testid="sections"></div></div>
    <div class="row">
      <div class="panel"><h2>Key (Camelot)</h2><svg id="wheel" viewBox="0 0 260 260" data-testid="wheel"></svg><div id="segments"></div></div>
      <div class="panel"><h2>Tempo curve (BPM)</h2><canvas id="curve" data-testid="curve"></canvas></div>
    </div>
    <p><button id="download" type="button">Download JSON</button></p>
  </section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const state = { file: null, audio: null, result: null, id: null };
const tokenInput = $("token");
tokenInput.value = localStorage.getItem("trackprobe-token") || "";
tokenInput.addEventListener("change", () => localStorage.setItem("trackprobe-token", tokenInput.value));
const auth = () => (tokenInput.value ? { authorization: "Bearer " + tokenInput.value } : {});

function status(text, error) { const s = $("status"); s.textContent = text; s.className = error ? "error" : ""; }
/** A number with d decimals and a real minus sign; "–" for none. */
const fmt = (x, d) => (x === null || x === undefined ? "–" : Number(x).toFixed(d).replace("-", "\u2212"));

const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); if (e.dataTransfer.files[0]) start(e.dataTransfer.files[0]); });
$("file").addEventListener("change", (e) => { if (e.target.files[0]) start(e.target.files[0]); });

async function start(file) {
  state.file = file; state.result = null; state.audio = null;
  $("result").classList.remove("shown"); $("preview-box").classList.remove("shown");
  status("Uploading " + file.name + " …");
  const bar = $("progress"); bar.hidden = false; bar.removeAttribute("value");
  decodeForWaveform(file);
  let res;
  try {
    res = await fetch("/v1/analyses?name=" + encodeURIComponent(file.name), { method: "POST", body: file, headers: { "content-type": "application/octet-stream", ...auth() } });
  } catch (e) { bar.hidden = true; return status("Upload failed: " + e.message, true); }
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) { $("token-row").classList.add("shown"); bar.hidden = true; return status("This server needs an API token: enter it above and drop the file again.", true); }
  if (!res.ok) { bar.hidden = true; return status((body.error && body.error.message) || "HTTP " + res.status, true); }
  state.id = body.id;
  if (body.status === "done" || body.status === "failed") return finished(body);
  status("Queued …");
  follow(body.id);
}

function follow(id) {
  const q = tokenInput.value ? "?access_token=" + encodeURIComponent(tokenInput.value) : "";
  const es = new EventSource("/v1/analyses/" + id + "/events" + q);
  es.addEventListener("progress", (e) => { const d = JSON.parse(e.data); status("Analysing … " + Math.round(d.audioSeconds) + " s of audio decoded"); });
  es.addEventListener("preview", (e) => showPreview(JSON.parse(e.data)));
  es.addEventListener("final", async (e) => {
    es.close();
    const res = await fetch("/v1/analyses/" + id, { headers: auth() });
    finished(await res.json());
  });
  es.onerror = () => { es.close(); status("Lost the connection to the server.", true); };
}

function showPreview(p) {
  const parts = [];
  if (p.tempo !== undefined) parts.push(p.tempo ? p.tempo.bpm.toFixed(1) + " BPM" : "no tempo yet");
  if (p.key !== undefined) parts.push(p.key ? p.key.name + " (" + p.key.camelot + ")" : "no key yet");
  if (p.loudness !== undefined) parts.push(p.loudness && p.loudness.integrated !== null ? fmt(p.loudness.integrated, 1) + " LUFS" : "silent so far");
  $("preview").textContent = "After " + Math.round(p.audioSeconds) + " s: " + parts.join(" · ");
  $("preview-box").classList.add("shown");
  status("Analysing … preview at " + Math.round(p.audioSeconds) + " s");
}

function finished(job) {
  $("progress").hidden = true;
  if (job.status === "failed") return status((job.error && job.error.message) || "The analysis failed.", true);
  state.result = job.result;
  status((job.cached ? "From the cache: " : "Done: ") + job.file + " (" + fmt(job.result.duration, 1) + " s)");
  render();
}

function render() {
  const r = state.result; if (!r) return;
  $("result").classList.add("shown");
  $("c-tempo").textContent = r.tempo ? r.tempo.bpm.toFixed(1) : "–";
  $("c-tempo-sub").textContent = r.tempo ? "confidence " + fmt(r.tempo.confidence, 2) + (r.tempo.alternative ? " · or " + r.tempo.alternative.bpm.toFixed(1) : "") : "no steady pulse";
  $("c-key").textContent = r.key ? r.key.name : "–";
  $("c-key-sub").textContent = r.key ? r.key.camelot + " · " + r.key.openKey : "no key";
  const l = r.loudness || {};
  $("c-lufs").textContent = l.integrated === null || l.integrated === undefined ? "–" : fmt(l.integrated, 1) + " LUFS";
  $("c-lufs-sub").textContent = "range " + fmt(l.range, 1) + " LU · peak " + fmt(l.truePeak, 1) + " dBTP";
  $("c-meter").textContent = r.meter ? r.meter.beatsPerBar + "/bar" : "–";
  $("c-dur").textContent = fmt(r.duration, 1) + " s · " + (r.beats ? r.beats.length : 0) + " beats";
  $("c-dance").textContent = r.danceability ? fmt(r.danceability.score, 2) : "–";
  $("c-energy").textContent = "energy " + fmt(r.energy, 2);
  $("sections").textContent = (r.sections || []).map((s) => s.kind + " " + clock(s.start) + (s.bars ? " (" + s.bars + " bars)" : "") + " " + s.group).join(" · ")
    + (r.cues && r.cues.length ? " — cues: " + r.cues.map((c) => c.name + " " + clock(c.time)).join(", ") : "");
  drawWave(); drawCurve(); drawWheel();
}

/** m:ss.s */
const clock = (t) => Math.floor(t / 60) + ":" + (t % 60).toFixed(1).padStart(4, "0");
/** A section kind's colour (the .k-… classes above). */
const KIND_COLOURS = { intro: "#74c0fc", verse: "#a9e34b", build: "#ffd43b", drop: "#ff6b6b", breakdown: "#b197fc", outro: "#63e6be" };

async function decodeForWaveform(file) {
  try {
    const ctx = new (window.OfflineAudioContext || window.webkitOfflineAudioContext)(1, 1, 44100);
    const buf = await ctx.decodeAudioData(await file.arrayBuffer());
    state.audio = buf; drawWave();
  } catch { state.audio = null; drawWave(); } // the beat grid is drawn without a waveform
}

function sized(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  canvas.width = Math.max(1, Math.round(w * dpr)); canvas.height = Math.max(1, Math.round(h * dpr));
  const g = canvas.getContext("2d"); g.setTransform(dpr, 0, 0, dpr, 0, 0); g.clearRect(0, 0, w, h);
  return { g, w, h };
}

function drawWave() {
  const r = state.result; if (!r) return;
  const { g, w, h } = sized($("wave"));
  const dur = r.duration || 1, x = (t) => (t / dur) * w;
  // sections: a band per section behind everything, as tall as its energy, its kind on top
  const CUE_ROW = 14;
  g.font = "11px system-ui"; g.textBaseline = "top";
  for (const s of r.sections || []) {
    const x0 = x(s.start), x1 = x(s.end), bandH = Math.max(0.15, s.energy) * (h - CUE_ROW);
    g.globalAlpha = 0.28; g.fillStyle = KIND_COLOURS[s.kind] || "#ced4da";
    g.fillRect(x0, h - CUE_ROW - bandH, x1 - x0, bandH);
    g.globalAlpha = 1; g.fillRect(x0, 0, 2, h - CUE_ROW);
    g.fillStyle = "#344054"; if (x1 - x0 > 40) g.fillText(s.kind + " " + s.group, x0 + 4, 2);
  }
  if (state.audio) {
    const data = state.audio.getChannelData(0), per = data.length / w;
    g.fillStyle = "#98a2b3";
    for (let i = 0; i < w; i++) {
      let lo = 0, hi = 0;
      for (let k = Math.floor(i * per); k < Math.floor((i + 1) * per); k++) { const v = data[k]; if (v < lo) lo = v; if (v > hi) hi = v; }
      g.fillRect(i, h / 2 - hi * h / 2, 1, Math.max(1, (hi - lo) * h / 2));
    }
  }
  // beats: a faint line through the waveform and a solid tick above and below it
  g.fillStyle = getComputedStyle(document.body).getPropertyValue("--accent");
  for (const b of r.beats || []) { g.globalAlpha = 0.35; g.fillRect(x(b), 0, 1, h); g.globalAlpha = 1; g.fillRect(x(b), 0, 1, 8); g.fillRect(x(b), h - 8, 1, 8); }
  g.globalAlpha = 0.9; g.fillStyle = getComputedStyle(document.body).getPropertyValue("--down");
  for (const d of r.downbeats || []) g.fillRect(x(d) - 0.5, 0, 2, h - CUE_ROW);
  g.globalAlpha = 1;
  // cues: a triangle under the waveform (drops in the drop colour)
  for (const c of r.cues || []) {
    const cx = x(c.time);
    g.fillStyle = c.kind === "drop" ? KIND_COLOURS.drop : "#1d2330";
    g.beginPath(); g.moveTo(cx, h - CUE_ROW); g.lineTo(cx - 5, h); g.lineTo(cx + 5, h); g.closePath(); g.fill();
  }
}

function drawCurve() {
  const r = state.result; if (!r) return;
  const { g, w, h } = sized($("curve"));
  const pts = (r.tempoCurve && r.tempoCurve.points) || [];
  g.fillStyle = "#667085"; g.font = "11px system-ui";
  if (pts.length === 0) { g.fillText("no tempo curve", 8, h / 2); return; }
  let lo = Math.min(...pts.map((p) => p.bpm)), hi = Math.max(...pts.map((p) => p.bpm));
  const pad = Math.max(2, (hi - lo) * 0.2); lo -= pad; hi += pad;
  const dur = r.duration || 1, x = (t) => 34 + (t / dur) * (w - 40), y = (b) => h - 14 - ((b - lo) / (hi - lo)) * (h - 24);
  g.fillText(hi.toFixed(0), 2, 12); g.fillText(lo.toFixed(0), 2, h - 14);
  g.strokeStyle = getComputedStyle(document.body).getPropertyValue("--accent"); g.lineWidth = 2; g.beginPath();
  pts.forEach((p, i) => (i ? g.lineTo(x(p.time), y(p.bpm)) : g.moveTo(x(p.time), y(p.bpm))));
  g.stroke();
}

function drawWheel() {
  const r = state.result, svg = $("wheel"); if (!r) return;
  const ns = "http://www.w3.org/2000/svg", c = 130;
  svg.innerHTML = "";
  const keyCodes = new Set([r.key && r.key.camelot].concat((r.keySegments || []).map((s) => camelotOf(s.key))).filter(Boolean));
  for (const [ring, letter, r0, r1] of [["outer", "B", 86, 126], ["inner", "A", 46, 86]]) {
    for (let n = 1; n <= 12; n++) {
      // as on the Camelot wheel: 12 at the top, then clockwise like the hours of a clock
      const a0 = (n / 12) * 2 * Math.PI - Math.PI / 2 - Math.PI / 12, a1 = a0 + (2 * Math.PI) / 12;
      const p = (rad, a) => [c + rad * Math.cos(a), c + rad * Math.sin(a)];
      const [x0, y0] = p(r1, a0), [x1, y1] = p(r1, a1), [x2, y2] = p(r0, a1), [x3, y3] = p(r0, a0);
      const code = n + letter, main = r.key && r.key.camelot === code;
      const path = document.createElementNS(ns, "path");
      path.setAttribute("d", "M" + x0 + " " + y0 + "A" + r1 + " " + r1 + " 0 0 1 " + x1 + " " + y1 + "L" + x2 + " " + y2 + "A" + r0 + " " + r0 + " 0 0 0 " + x3 + " " + y3 + "Z");
      path.setAttribute("fill", main ? "#3b5bdb" : keyCodes.has(code) ? "#bac8ff" : ring === "outer" ? "#f2f4f7" : "#e4e7ec");
      path.setAttribute("stroke", "#fff");
      svg.appendChild(path);
      const [tx, ty] = p((r0 + r1) / 2, (a0 + a1) / 2);
      const t = document.createElementNS(ns, "text");
      t.setAttribute("x", tx); t.setAttribute("y", ty + 4); t.setAttribute("text-anchor", "middle"); t.setAttribute("font-size", "11");
      t.setAttribute("fill", main ? "#fff" : "#344054"); t.textContent = code;
      svg.appendChild(t);
    }
  }
  const label = document.createElementNS(ns, "text");
  label.setAttribute("x", c); label.setAttribute("y", c + 5); label.setAttribute("text-anchor", "middle"); label.setAttribute("font-size", "13"); label.setAttribute("font-weight", "600");
  label.textContent = r.key ? r.key.camelot : "–"; svg.appendChild(label);
  const segs = r.keySegments || [];
  $("segments").textContent = segs.length > 1 ? "Key changes: " + segs.map((s) => s.key + " from " + s.start.toFixed(0) + " s").join(", ") : r.key ? "One key throughout." : "";
}

const PCS = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
const CAMELOT = { major: ["8B","3B","10B","5B","12B","7B","2B","9B","4B","11B","6B","1B"], minor: ["5A","12A","7A","2A","9A","4A","11A","6A","1A","8A","3A","10A"] };
function camelotOf(name) { const [t, m] = name.split(" "); return (CAMELOT[m] || [])[PCS.indexOf(t)]; }

$("download").addEventListener("click", () => {
  const blob = new Blob([JSON.stringify(state.result, null, 2)], { type: "application/json" });
  const a = document.createElement("a"); a.href = URL.createObjectURL(blob);
  a.download = (state.file ? state.file.name.replace(/\\.[^.]+$/, "") : "analysis") + ".trackprobe.json";
  a.click(); setTimeout(() => URL.revokeObjectURL(a.href), 1000);
});
window.addEventListener("resize", () => { drawWave(); drawCurve(); });
</script>
</body>
</html>
`;
