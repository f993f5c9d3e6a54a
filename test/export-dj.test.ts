/**
 * The DJ-software exports (src/export/, `trackprobe export --format rekordbox-xml|traktor-nml`),
 * read back with an independent reader (fast-xml-parser; the writer is xmlbuilder2) and checked
 * against the formats' published structure: Pioneer's "rekordbox XML format" attribute list, and
 * for Traktor NML the structure Traktor writes and Mixxx's reader expects (docs/dj-export.md).
 *
 * Two parts: the pure writers on analyses made up with exact truth (every key, awkward paths,
 * pickups before the first downbeat, tempo changes, cues), and the command line end to end:
 * generated tracks scanned into a temporary cache, exported, re-imported, compared with the
 * cached analyses.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { renderDemoTrack } from "../src/demo-track.js";
import { beatIndices, type ExportTrack } from "../src/export/common.js";
import { m3u8 } from "../src/export/m3u8.js";
import { rekordboxLocation, rekordboxXml } from "../src/export/rekordbox-xml.js";
import { traktorLocation, traktorNml } from "../src/export/traktor-nml.js";
import type { Analysis, Cue } from "../src/result.js";
import { tempDir, writeWav } from "./signals/files.js";
import { drumPattern, RATE } from "./signals/rhythm.js";
import { runCli } from "./support/cli.js";

// ---------------------------------------------------------------------------------------------
// The independent reader

type Attrs = Record<string, string>;
/** A parsed element: attributes (strings) and children; untyped JSON, checked where it is read. */
// biome-ignore lint/suspicious/noExplicitAny: the reader's output has no static shape
type El = Record<string, any>;

const LISTS = new Set(["TRACK", "TEMPO", "POSITION_MARK", "NODE", "ENTRY", "CUE_V2"]);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => LISTS.has(name),
});

function read(text: string): Record<string, El> {
  assert.equal(XMLValidator.validate(text), true, "well-formed XML");
  assert.match(text, /^<\?xml version="1\.0" encoding="UTF-8"/);
  return parser.parse(text) as Record<string, El>;
}

const list = (x: unknown): El[] => (x === undefined ? [] : (x as El[]));
const num = (s: string | undefined, what: string): number => {
  assert.ok(s !== undefined && /^-?\d+(\.\d+)?$/.test(s), `${what}: a number, not ${s}`);
  return Number(s);
};
const int = (s: string | undefined, what: string): number => {
  assert.ok(s !== undefined && /^-?\d+$/.test(s), `${what}: an integer, not ${s}`);
  return Number(s);
};

interface RbTrack {
  attrs: Attrs;
  tempos: { inizio: number; bpm: number; metro: string; battito: number }[];
  marks: { name: string; type: number; start: number; num: number }[];
}

/**
 * Reads a Rekordbox XML and checks it against the published attribute list: the root and its
 * version, PRODUCT, COLLECTION Entries, the types of every attribute written, the PLAYLISTS tree.
 */
function readRekordbox(text: string): { tracks: RbTrack[]; playlist: { name: string; keys: string[] } } {
  const doc = read(text);
  const root = doc.DJ_PLAYLISTS;
  assert.ok(root, "root element DJ_PLAYLISTS");
  assert.equal(root.Version, "1.0.0");
  const product = root.PRODUCT as Attrs;
  for (const a of ["Name", "Version", "Company"]) assert.equal(typeof product[a], "string", `PRODUCT ${a}`);
  const collection = root.COLLECTION as El;
  const trackEls = list(collection.TRACK);
  assert.equal(int(collection.Entries, "COLLECTION Entries"), trackEls.length);
  const tracks = trackEls.map((t): RbTrack => {
    assert.ok(t.Location, '"Location" is essential for each track');
    assert.match(t.Location, /^file:\/\/localhost\//);
    int(t.TrackID, "TrackID");
    int(t.TotalTime, "TotalTime (seconds without decimals)");
    if (t.AverageBpm !== undefined) num(t.AverageBpm, "AverageBpm");
    if (t.Size !== undefined) int(t.Size, "Size");
    if (t.SampleRate !== undefined) num(t.SampleRate, "SampleRate");
    const tempos = list(t.TEMPO).map((e) => {
      const metro = e.Metro;
      assert.match(metro, /^\d+\/\d+$/, "Metro like 4/4");
      const battito = int(e.Battito, "Battito");
      assert.ok(battito >= 1 && battito <= Number(metro.split("/")[0]), `Battito ${battito} within the bar of ${metro}`);
      return { inizio: num(e.Inizio, "Inizio"), bpm: num(e.Bpm, "Bpm"), metro, battito };
    });
    const marks = list(t.POSITION_MARK).map((e) => {
      const type = int(e.Type, "POSITION_MARK Type");
      assert.ok(type >= 0 && type <= 4, "Type: Cue 0, Fade-In 1, Fade-Out 2, Load 3, Loop 4");
      const n = int(e.Num, "Num");
      assert.ok(n >= -1 && n <= 7, "Num: hot cue 0..7 or memory cue -1");
      assert.equal(typeof e.Name, "string");
      return { name: e.Name, type, start: num(e.Start, "Start"), num: n };
    });
    const { TEMPO: _t, POSITION_MARK: _p, ...attrs } = t;
    return { attrs: attrs as Attrs, tempos, marks };
  });
  const ids = new Set(tracks.map((t) => t.attrs.TrackID));
  assert.equal(ids.size, tracks.length, "TrackIDs are unique");
  const rootNode = list((root.PLAYLISTS as El).NODE)[0];
  assert.equal(rootNode.Type, "0");
  assert.equal(rootNode.Name, "ROOT");
  const children = list(rootNode.NODE);
  assert.equal(int(rootNode.Count, "ROOT Count"), children.length);
  assert.equal(children.length, 1);
  const pl = children[0];
  assert.equal(pl.Type, "1", "a playlist node");
  assert.equal(pl.KeyType, "0", "tracks named by TrackID");
  const keys = list(pl.TRACK).map((e) => e.Key);
  assert.equal(int(pl.Entries, "playlist Entries"), keys.length);
  for (const k of keys) assert.ok(ids.has(k), `playlist TRACK Key ${k} is a collection TrackID`);
  return { tracks, playlist: { name: pl.Name, keys } };
}

interface NmlEntry {
  title: string;
  location: Attrs;
  info: Attrs;
  bpm: number | null;
  musicalKey: number | null;
  cues: { name: string; type: number; startMs: number; lenMs: number; hotcue: number }[];
}

/** Reads a Traktor NML and checks the structure Traktor writes (VERSION 19) and Mixxx reads. */
function readTraktor(text: string): { entries: NmlEntry[]; playlist: { name: string; keys: string[] } } {
  const doc = read(text);
  const nml = doc.NML;
  assert.ok(nml, "root element NML");
  assert.equal(nml.VERSION, "19");
  assert.equal((nml.HEAD as Attrs).PROGRAM, "Traktor");
  const collection = nml.COLLECTION as El;
  const entryEls = list(collection.ENTRY);
  assert.equal(int(collection.ENTRIES, "COLLECTION ENTRIES"), entryEls.length);
  const entries = entryEls.map((e): NmlEntry => {
    const loc = e.LOCATION as unknown as Attrs;
    assert.ok(loc, "LOCATION");
    assert.match(loc.DIR, /^\/:(.*\/:)?$/, "DIR: folders between /: separators");
    assert.ok(loc.FILE && !loc.FILE.includes("/"), "FILE: the file name");
    assert.equal(typeof loc.VOLUME, "string");
    const info = e.INFO as unknown as Attrs;
    int(info.PLAYTIME, "PLAYTIME");
    const tempo = list(e.TEMPO)[0];
    const mk = e.MUSICAL_KEY as Attrs | undefined;
    const musicalKey = mk ? int(mk.VALUE, "MUSICAL_KEY VALUE") : null;
    if (musicalKey !== null) assert.ok(musicalKey >= 0 && musicalKey <= 23, `MUSICAL_KEY ${musicalKey} in 0..23`);
    const cues = list(e.CUE_V2).map((c) => {
      const hotcue = int(c.HOTCUE, "HOTCUE");
      assert.ok(hotcue >= -1 && hotcue <= 7, `HOTCUE ${hotcue} in -1..7`);
      int(c.DISPL_ORDER, "DISPL_ORDER");
      int(c.REPEATS, "REPEATS");
      return { name: c.NAME, type: int(c.TYPE, "CUE_V2 TYPE"), startMs: num(c.START, "START"), lenMs: num(c.LEN, "LEN"), hotcue };
    });
    return { title: e.TITLE, location: loc, info, bpm: tempo ? num(tempo.BPM, "TEMPO BPM") : null, musicalKey, cues };
  });
  const rootNode = list((nml.PLAYLISTS as El).NODE)[0];
  assert.equal(rootNode.TYPE, "FOLDER");
  assert.equal(rootNode.NAME, "$ROOT");
  const sub = rootNode.SUBNODES as El;
  const nodes = list(sub.NODE);
  assert.equal(int(sub.COUNT, "SUBNODES COUNT"), nodes.length);
  const pl = nodes[0];
  assert.equal(pl.TYPE, "PLAYLIST");
  const playlist = pl.PLAYLIST as El;
  assert.equal(playlist.TYPE, "LIST");
  assert.match(playlist.UUID, /^[0-9a-f]{32}$/);
  const keys = list(playlist.ENTRY).map((x) => {
    const pk = x.PRIMARYKEY as Attrs;
    assert.equal(pk.TYPE, "TRACK");
    return pk.KEY;
  });
  assert.equal(int(playlist.ENTRIES, "PLAYLIST ENTRIES"), keys.length);
  const collectionKeys = new Set(entries.map((e) => `${e.location.VOLUME}${e.location.DIR}${e.location.FILE}`));
  for (const k of keys) assert.ok(collectionKeys.has(k), `PRIMARYKEY ${k} is VOLUME+DIR+FILE of a collection entry`);
  return { entries, playlist: { name: pl.NAME, keys } };
}

/** Reads an extended M3U: the header, the playlist title, and per entry its #EXTINF and path. */
function readM3u(text: string): { name: string | null; entries: { seconds: number; title: string; path: string }[] } {
  const lines = text.split("\n");
  assert.equal(lines[0], "#EXTM3U", "#EXTM3U first");
  assert.equal(lines[lines.length - 1], "", "ends with a line break");
  let name: string | null = null;
  const entries: { seconds: number; title: string; path: string }[] = [];
  let inf: { seconds: number; title: string } | null = null;
  for (const line of lines.slice(1, -1)) {
    if (line.startsWith("#PLAYLIST:")) name = line.slice("#PLAYLIST:".length);
    else if (line.startsWith("#EXTINF:")) {
      const m = /^#EXTINF:(-?\d+),(.*)$/.exec(line);
      assert.ok(m, `#EXTINF:<seconds>,<title>: ${line}`);
      inf = { seconds: Number(m[1]), title: m[2] };
    } else {
      assert.ok(inf, `an #EXTINF before ${line}`);
      entries.push({ ...inf, path: line });
      inf = null;
    }
  }
  return { name, entries };
}

/** The path a Rekordbox Location names, decoded by the WHATWG URL parser. */
function pathOfLocation(location: string): string {
  assert.match(location, /^file:\/\/localhost\//);
  // WHATWG URL drops "localhost" from file URLs (it means this machine); the path stays encoded.
  const u = new URL(location);
  assert.equal(u.protocol, "file:");
  assert.equal(u.host, "");
  return decodeURIComponent(u.pathname);
}

/** The path a Traktor LOCATION names, as Mixxx's reader joins it (VOLUME + DIR with "/" + FILE). */
const pathOfTraktor = (l: Attrs) => `${l.VOLUME}${l.DIR.replaceAll("/:", "/")}${l.FILE}`;

// ---------------------------------------------------------------------------------------------
// Analyses with exact truth

function beatsAt(bpm: number, start: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + (i * 60) / bpm);
}

function analysis(o: Partial<Analysis> & { beats?: number[] } = {}): Analysis {
  const beats = o.beats ?? beatsAt(128, 0.25, 200);
  return {
    file: "x",
    format: "mp3",
    duration: 120,
    sampleRate: 44100,
    channels: 2,
    tempo: { bpm: 128, confidence: 0.9, candidates: [{ bpm: 128, weight: 1 }], alternative: null },
    downbeats: beats.filter((_, i) => i % 4 === 0),
    meter: { beatsPerBar: 4, confidence: 1 },
    tempoCurve: { steady: true, spread: 0.5, points: [] },
    key: { tonic: "A", mode: "minor", name: "A minor", camelot: "8A", openKey: "1m", confidence: 0.8, candidates: [] },
    warnings: [],
    timings: { decode: 0, features: 0, analyzers: 0 },
    version: "0.1.0",
    ...o,
    beats,
  };
}

/**
 * All 24 keys, written out from the published wheels (not computed like the code does): name,
 * Rekordbox/standard text, Camelot, Open Key, Traktor's MUSICAL_KEY number (0–11 major C…B,
 * 12–23 minor C…B).
 */
const KEYS: [string, string, string, string, string, number][] = [
  ["C", "major", "C", "8B", "1d", 0],
  ["C#", "major", "Db", "3B", "8d", 1],
  ["D", "major", "D", "10B", "3d", 2],
  ["D#", "major", "Eb", "5B", "10d", 3],
  ["E", "major", "E", "12B", "5d", 4],
  ["F", "major", "F", "7B", "12d", 5],
  ["F#", "major", "F#", "2B", "7d", 6],
  ["G", "major", "G", "9B", "2d", 7],
  ["G#", "major", "Ab", "4B", "9d", 8],
  ["A", "major", "A", "11B", "4d", 9],
  ["A#", "major", "Bb", "6B", "11d", 10],
  ["B", "major", "B", "1B", "6d", 11],
  ["C", "minor", "Cm", "5A", "10m", 12],
  ["C#", "minor", "Dbm", "12A", "5m", 13],
  ["D", "minor", "Dm", "7A", "12m", 14],
  ["D#", "minor", "Ebm", "2A", "7m", 15],
  ["E", "minor", "Em", "9A", "2m", 16],
  ["F", "minor", "Fm", "4A", "9m", 17],
  ["F#", "minor", "F#m", "11A", "4m", 18],
  ["G", "minor", "Gm", "6A", "11m", 19],
  ["G#", "minor", "Abm", "1A", "6m", 20],
  ["A", "minor", "Am", "8A", "1m", 21],
  ["A#", "minor", "Bbm", "3A", "8m", 22],
  ["B", "minor", "Bm", "10A", "3m", 23],
];

/** Where a grid puts beat n (n ≥ 0 from the first marker), walking its markers as a DJ program does. */
function gridBeatTimes(tempos: { inizio: number; bpm: number }[], until: number): number[] {
  const out: number[] = [];
  for (let m = 0; m < tempos.length; m++) {
    const end = m + 1 < tempos.length ? tempos[m + 1].inizio - 1e-3 : until;
    for (let t = tempos[m].inizio; t <= end; t += 60 / tempos[m].bpm) out.push(t);
  }
  return out;
}

const nearest = (xs: number[], t: number) => xs.reduce((best, x) => (Math.abs(x - t) < Math.abs(best - t) ? x : best), xs[0]);

// ---------------------------------------------------------------------------------------------

describe("DJ exports: the writers", () => {
  it("writes every track, with a Location URI that names the file, for paths with spaces, unicode, #, %, &, quotes", () => {
    const paths = [
      "/Users/dj/Music/A & B/#1 100% (Remix).mp3",
      "/Users/dj/Music/日本語/トラック ü.flac",
      "/Users/dj/Music/Cafe\u0301 NFD/quote\"s <x> 'y'.wav",
      "/Users/dj/Music/plus+semi;colon:=?.mp3",
      "/Volumes/USB Stick/Crates/deep/tune.m4a",
    ];
    const tracks: ExportTrack[] = paths.map((path) => ({ path, analysis: analysis() }));
    const rb = readRekordbox(rekordboxXml(tracks));
    assert.equal(rb.tracks.length, paths.length);
    assert.deepEqual(rb.tracks.map((t) => pathOfLocation(t.attrs.Location)), paths);
    for (const t of rb.tracks) {
      // percent-encoding: nothing reserved or non-ASCII left raw in the path part
      assert.doesNotMatch(t.attrs.Location.slice("file://localhost/".length), /[ #%&?;=+'"<>()!*\u0080-\uffff](?![0-9A-F]{2})/);
    }
    assert.deepEqual(rb.playlist.keys, ["1", "2", "3", "4", "5"]);

    const tk = readTraktor(traktorNml(tracks, { volume: "" }));
    assert.equal(tk.entries.length, paths.length);
    assert.deepEqual(tk.entries.slice(0, 4).map((e) => pathOfTraktor(e.location)), paths.slice(0, 4));
    // a macOS path on another disk: that disk is the VOLUME, as Traktor writes it
    assert.deepEqual(tk.entries[4].location.VOLUME, "USB Stick");
    assert.equal(`/Volumes/${pathOfTraktor(tk.entries[4].location)}`, paths[4]);
    assert.equal(tk.playlist.keys.length, paths.length);
  });

  it("m3u8: #EXTM3U, the playlist title, #EXTINF seconds and title, the path as it is; a path with a line break is left out", () => {
    const paths = ["/Users/dj/Music/A & B/#1 100% (Remix).mp3", "/Users/dj/Music/日本語/トラック ü.flac", "/m/new\nline.wav"];
    const text = m3u8(paths.map((path, i) => ({ path, analysis: analysis({ duration: 100.4 + i }) })), { playlistName: "Warm-up" });
    const m = readM3u(text);
    assert.equal(m.name, "Warm-up");
    assert.deepEqual(m.entries.map((e) => e.path), paths.slice(0, 2));
    assert.deepEqual(m.entries.map((e) => e.seconds), [100, 101]);
    assert.deepEqual(m.entries.map((e) => e.title), ["#1 100% (Remix)", "トラック ü"]);
  });

  it("a path with control characters: Rekordbox keeps it (percent-encoded), Traktor leaves it out; both stay valid XML", () => {
    const odd = "/m/bell\u0007 tab\t.mp3";
    const tracks: ExportTrack[] = [odd, "/m/plain.mp3"].map((path) => ({ path, analysis: analysis() }));
    const rb = readRekordbox(rekordboxXml(tracks));
    assert.deepEqual(rb.tracks.map((t) => pathOfLocation(t.attrs.Location)), [odd, "/m/plain.mp3"]);
    assert.match(rb.tracks[0].attrs.Name, /^bell {2}tab *$/, "control characters in the name become spaces");
    const tk = readTraktor(traktorNml(tracks, { volume: "" }));
    assert.deepEqual(tk.entries.map((e) => pathOfTraktor(e.location)), ["/m/plain.mp3"]);
  });

  it("Windows paths keep their drive: file://localhost/C:/… and VOLUME C:", () => {
    assert.equal(rekordboxLocation("C:\\Music\\My Set\\a#b.mp3"), "file://localhost/C:/Music/My%20Set/a%23b.mp3");
    assert.deepEqual(traktorLocation("D:\\Music\\My Set\\a.mp3"), { VOLUME: "D:", DIR: "/:Music/:My Set/:", FILE: "a.mp3" });
    assert.deepEqual(traktorLocation("/Users/dj/a.mp3", "Macintosh HD"), { VOLUME: "Macintosh HD", DIR: "/:Users/:dj/:", FILE: "a.mp3" });
  });

  it("maps all 24 keys: Rekordbox Tonality in each notation, Traktor KEY text and MUSICAL_KEY number", () => {
    const tracks: ExportTrack[] = KEYS.map(([tonic, mode], i) => ({
      path: `/m/${i}.mp3`,
      analysis: analysis({ key: { tonic, mode: mode as "major" | "minor", name: `${tonic} ${mode}`, camelot: "", openKey: "", confidence: 1, candidates: [] } }),
    }));
    const tonality = (notation?: "standard" | "camelot" | "open-key") => readRekordbox(rekordboxXml(tracks, { keyNotation: notation })).tracks.map((t) => t.attrs.Tonality);
    assert.deepEqual(tonality(), KEYS.map((k) => k[2]), "default: standard names");
    assert.deepEqual(tonality("camelot"), KEYS.map((k) => k[3]));
    assert.deepEqual(tonality("open-key"), KEYS.map((k) => k[4]));
    const tk = readTraktor(traktorNml(tracks));
    assert.deepEqual(tk.entries.map((e) => e.musicalKey), KEYS.map((k) => k[5]));
    assert.deepEqual(tk.entries.map((e) => e.info.KEY), KEYS.map((k) => k[4]), "default: Open Key, Traktor's own");
    const tkCamelot = readTraktor(traktorNml(tracks, { keyNotation: "camelot" }));
    assert.deepEqual(tkCamelot.entries.map((e) => e.info.KEY), KEYS.map((k) => k[3]));
    assert.deepEqual(tkCamelot.entries.map((e) => e.musicalKey), KEYS.map((k) => k[5]), "the number does not depend on the notation");
  });

  it("anchors a steady grid on the first downbeat (Battito 1), after pickup beats; BPM and AverageBpm match", () => {
    const beats = beatsAt(126, 0.31, 300);
    const a = analysis({ beats, downbeats: beats.filter((_, i) => i % 4 === 2), tempo: { bpm: 126, confidence: 1, candidates: [], alternative: null } });
    const [t] = readRekordbox(rekordboxXml([{ path: "/m/a.mp3", analysis: a }])).tracks;
    assert.equal(t.tempos.length, 1, "one TEMPO for a steady tempo");
    assert.equal(t.tempos[0].battito, 1);
    assert.equal(t.tempos[0].metro, "4/4");
    assert.ok(Math.abs(t.tempos[0].inizio - beats[2]) <= 0.001, `Inizio ${t.tempos[0].inizio} at the first downbeat ${beats[2]}`);
    assert.ok(Math.abs(t.tempos[0].bpm - 126) <= 0.01, `Bpm ${t.tempos[0].bpm}`);
    assert.equal(t.attrs.AverageBpm, "126.00");
    const [e] = readTraktor(traktorNml([{ path: "/m/a.mp3", analysis: a }])).entries;
    const grid = e.cues.filter((c) => c.type === 4);
    assert.equal(grid.length, 1, "one grid marker");
    assert.ok(Math.abs(grid[0].startMs - beats[2] * 1000) <= 0.001, "grid marker at the first downbeat, in ms");
    assert.ok(e.bpm !== null && Math.abs(e.bpm - 126) <= 1e-4, `BPM ${e.bpm}`);
  });

  it("a first downbeat at the very start whose fitted time is below 0 moves the anchor a bar on, not off the grid", () => {
    const beats = beatsAt(120, 0, 100).map((b, i) => (i === 0 ? 0.001 : b - 0.004));
    const [t] = readRekordbox(rekordboxXml([{ path: "/m/z.mp3", analysis: analysis({ beats }) }])).tracks;
    assert.equal(t.tempos.length, 1);
    const { inizio, bpm, battito } = t.tempos[0];
    assert.ok(inizio >= 0, `Inizio ${inizio} not before the audio`);
    assert.equal(battito, 1);
    const bars = inizio / ((4 * 60) / bpm);
    assert.ok(Math.abs(bars - Math.round(bars)) < 0.01 && Math.round(bars) === 1, `one bar on: ${bars}`);
  });

  it("3/4: Metro 3/4 and Battito counts to 3", () => {
    const beats = beatsAt(90, 0.5, 90);
    const a = analysis({ beats, downbeats: beats.filter((_, i) => i % 3 === 1), meter: { beatsPerBar: 3, confidence: 1 }, tempoCurve: { steady: false, spread: 9, points: [] } });
    // a steady track flagged as moving still gives one marker: nothing to follow
    const [t] = readRekordbox(rekordboxXml([{ path: "/m/w.mp3", analysis: a }])).tracks;
    assert.equal(t.tempos[0].metro, "3/4");
    assert.equal(t.tempos.length, 1);
    assert.ok(Math.abs(t.tempos[0].inizio - beats[1]) < 0.001 && t.tempos[0].battito === 1, "on the first downbeat, Battito 1");
  });

  it("a tempo that changes gets one TEMPO per change; the grid stays on every beat; downbeats keep Battito 1", () => {
    // 64 beats at 120, then 64 at 128, then a ramp 128 → 140 over 64 beats
    const beats: number[] = [];
    let t = 0.2;
    for (let i = 0; i < 192; i++) {
      beats.push(t);
      const bpm = i < 64 ? 120 : i < 128 ? 128 : 128 + (12 * (i - 128)) / 64;
      t += 60 / bpm;
    }
    const downbeats = beats.filter((_, i) => i % 4 === 1);
    const a = analysis({ beats, downbeats, duration: t + 1, tempoCurve: { steady: false, spread: 12, points: [] } });
    const [rb] = readRekordbox(rekordboxXml([{ path: "/m/d.mp3", analysis: a }])).tracks;
    assert.ok(rb.tempos.length >= 3, `several TEMPO entries (${rb.tempos.length})`);
    assert.ok(Math.abs(rb.tempos[0].inizio - downbeats[0]) <= 0.001 && rb.tempos[0].battito === 1, "first marker on the first downbeat");
    assert.ok(rb.tempos.some((x) => Math.abs(x.bpm - 120) < 0.1), `a 120 BPM entry: ${rb.tempos.map((x) => x.bpm)}`);
    assert.ok(rb.tempos.some((x) => Math.abs(x.bpm - 128) < 0.1), `a 128 BPM entry: ${rb.tempos.map((x) => x.bpm)}`);
    assert.ok(rb.tempos.some((x) => x.bpm > 136), "follows the ramp");
    for (let i = 1; i < rb.tempos.length; i++) assert.ok(rb.tempos[i].inizio > rb.tempos[i - 1].inizio, "markers in time order");
    // every analysed beat from the first downbeat on lies on the written grid (±15 ms and 3-decimal rounding)
    const grid = gridBeatTimes(rb.tempos, beats[beats.length - 1] + 1);
    for (const b of beats.slice(1)) assert.ok(Math.abs(nearest(grid, b) - b) <= 0.02, `beat ${b.toFixed(3)} is on the grid`);
    // Battito of each marker: 1 exactly when the marker is a downbeat
    for (const m of rb.tempos) {
      const i = beats.findIndex((b) => Math.abs(b - m.inizio) < 0.001);
      assert.ok(i >= 0, "markers sit on analysed beats");
      assert.equal(m.battito, ((i - 1 + 4) % 4) + 1, `Battito of beat ${i}`);
    }
    // Traktor: one BPM for the track; grid markers re-lock the phase. A 7 % step needs a marker
    // nearly every beat at 15 ms: the tolerance loosens (to 40 ms at most) to keep markers few.
    const [tk] = readTraktor(traktorNml([{ path: "/m/d.mp3", analysis: a }])).entries;
    const markers = tk.cues.filter((c) => c.type === 4).map((c) => ({ inizio: c.startMs / 1000, bpm: tk.bpm as number }));
    assert.ok(markers.length > 1, `grid markers: ${markers.length}`);
    assert.ok(Math.abs(markers[0].inizio - downbeats[0]) <= 0.001, "the first on the first downbeat");
    const tkGrid = gridBeatTimes(markers, beats[beats.length - 1] + 1);
    for (const b of beats.slice(1)) assert.ok(Math.abs(nearest(tkGrid, b) - b) <= 0.041, `beat ${b.toFixed(3)} is on Traktor's grid (±40 ms)`);
  });

  it("Traktor's one-BPM grid follows a gentle drift within 15 ms (+ rounding) with re-locking markers", () => {
    const beats: number[] = [];
    let t = 0.5;
    for (let i = 0; i < 256; i++) {
      beats.push(t);
      t += 60 / (124 + (3 * i) / 256); // 124 → 127 BPM, a live drummer's push
    }
    const a = analysis({ beats, downbeats: beats.filter((_, i) => i % 4 === 0), duration: t + 1, tempoCurve: { steady: false, spread: 3, points: [] } });
    const [tk] = readTraktor(traktorNml([{ path: "/m/l.mp3", analysis: a }])).entries;
    const markers = tk.cues.filter((c) => c.type === 4).map((c) => ({ inizio: c.startMs / 1000, bpm: tk.bpm as number }));
    assert.ok(markers.length > 1 && markers.length <= 64, `grid markers: ${markers.length}`);
    const grid = gridBeatTimes(markers, beats[beats.length - 1] + 1);
    for (const b of beats) assert.ok(Math.abs(nearest(grid, b) - b) <= 0.02, `beat ${b.toFixed(3)} within 20 ms of Traktor's grid`);
  });

  it("counts beats across gaps in the beat list (a lost beat is still a beat of the grid)", () => {
    const beats = beatsAt(120, 0, 40).filter((_, i) => i < 10 || i > 14);
    const idx = beatIndices(beats);
    assert.equal(idx[10] - idx[9], 6);
    const a = analysis({ beats, downbeats: beats.filter((b) => Math.round(b / 0.5) % 4 === 0) });
    const [t] = readRekordbox(rekordboxXml([{ path: "/m/g.mp3", analysis: a }])).tracks;
    assert.ok(Math.abs(t.tempos[0].bpm - 120) < 0.01, `BPM across the gap: ${t.tempos[0].bpm}`);
  });

  it("writes cues: hot cues A–H (Num 0–7) for the first eight, memory cues (Num -1) for all, seconds / milliseconds", () => {
    const cues: Cue[] = Array.from({ length: 10 }, (_, i) => ({ time: 4 + i * 7.5 + 0.0004, kind: i === 3 ? "drop" : "section", name: i === 3 ? "Drop" : `Section ${i}` }));
    cues.push({ time: 500, kind: "mix-out", name: "beyond the end" });
    const a = analysis({ cues: [...cues].reverse() });
    const [rb] = readRekordbox(rekordboxXml([{ path: "/m/c.mp3", analysis: a }])).tracks;
    const hot = rb.marks.filter((m) => m.num >= 0);
    const memory = rb.marks.filter((m) => m.num === -1);
    assert.deepEqual(hot.map((m) => m.num), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(memory.length, 10, "every cue inside the track as a memory cue");
    hot.forEach((m, i) => {
      assert.equal(m.name, cues[i].name);
      assert.equal(m.type, 0);
      assert.ok(Math.abs(m.start - cues[i].time) <= 0.0005, "Start in seconds, 3 decimals");
    });
    const [tk] = readTraktor(traktorNml([{ path: "/m/c.mp3", analysis: a }])).entries;
    const tkHot = tk.cues.filter((c) => c.type === 0 && c.hotcue >= 0);
    assert.deepEqual(tkHot.map((c) => c.hotcue), [0, 1, 2, 3, 4, 5, 6, 7]);
    tkHot.forEach((c, i) => {
      assert.ok(Math.abs(c.startMs - cues[i].time * 1000) <= 1e-3, "START in milliseconds");
      assert.equal(c.lenMs, 0);
      assert.equal(c.name, cues[i].name);
    });
    assert.equal(tk.cues.filter((c) => c.type === 0 && c.hotcue === -1).length, 10);
    // the modes
    const count = (mode: "hot" | "memory" | "none") => readRekordbox(rekordboxXml([{ path: "/m/c.mp3", analysis: a }], { cues: mode })).tracks[0].marks.length;
    assert.equal(count("hot"), 8);
    assert.equal(count("memory"), 10);
    assert.equal(count("none"), 0);
  });

  it("works without structure, beats, key or tempo: no TEMPO, no marks, no Tonality, but the track is there", () => {
    const bare = analysis({ beats: [], downbeats: null, tempo: null, key: null, tempoCurve: null, meter: null });
    delete (bare as Partial<Analysis>).cues;
    const [rb] = readRekordbox(rekordboxXml([{ path: "/m/b.wav", analysis: bare }])).tracks;
    assert.equal(rb.tempos.length, 0);
    assert.equal(rb.marks.length, 0);
    assert.equal(rb.attrs.Tonality, undefined);
    assert.equal(rb.attrs.AverageBpm, undefined);
    const [tk] = readTraktor(traktorNml([{ path: "/m/b.wav", analysis: bare }])).entries;
    assert.equal(tk.cues.length, 0);
    assert.equal(tk.bpm, null);
    assert.equal(tk.musicalKey, null);
  });

  it("an empty library is still a valid file", () => {
    assert.equal(readRekordbox(rekordboxXml([])).tracks.length, 0);
    assert.equal(readTraktor(traktorNml([])).entries.length, 0);
  });

  it("comments: key and energy when asked, nothing otherwise", () => {
    const a = analysis({ energy: 0.62 });
    assert.equal(readRekordbox(rekordboxXml([{ path: "/m/e.mp3", analysis: a }], { comments: true, keyNotation: "camelot" })).tracks[0].attrs.Comments, "8A - Energy 6");
    assert.equal(readRekordbox(rekordboxXml([{ path: "/m/e.mp3", analysis: a }])).tracks[0].attrs.Comments, undefined);
    assert.equal(readTraktor(traktorNml([{ path: "/m/e.mp3", analysis: a }], { comments: true })).entries[0].info.COMMENT, "1m - Energy 6");
  });
});

// ---------------------------------------------------------------------------------------------

describe("DJ exports: trackprobe export, end to end", () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const lib = join(dir, "lib");
  const cacheDir = join(dir, "cache");
  // names a DJ library really has: spaces, unicode, #, %, &
  const steadyPath = join(lib, "A & B #1 100%", "Café ü — tune.wav");
  const rampPath = join(lib, "ramps", "ramp 116-136.wav");
  const brokenPath = join(lib, "broken.wav");
  const cached = new Map<string, Analysis>();
  // Exports take --stale: the cache keys results by a hash of the analysers' code, and a tree being
  // edited while the test runs would otherwise leave the export with nothing to show.
  const cli = (args: string[]) => runCli([...args, "--cache-dir", cacheDir, ...(args[0] === "export" ? ["--stale"] : [])]);

  before(() => {
    mkdirSync(join(lib, "A & B #1 100%"), { recursive: true });
    mkdirSync(join(lib, "ramps"), { recursive: true });
    writeWav(steadyPath, renderDemoTrack(24, 44100, 124), 44100);
    const ramp = drumPattern({ bpm: 116, endBpm: 136, seconds: 40 });
    writeWav(rampPath, [ramp.audio], RATE);
    writeFileSync(brokenPath, Buffer.concat([Buffer.from("RIFF\x24\x00\x00\x00WAVEfmt ", "latin1"), Buffer.alloc(64, 0xff)]));
    const scan = cli(["scan", lib, "-q", "-j", "2", "--features", "tempo,beats,downbeats,meter,key,energy,structure"]);
    assert.equal(scan.code, 1, `scan: one file fails\n${scan.stderr}`);
    const json = cli(["export", lib, "--format", "json", "--no-failed"]);
    assert.equal(json.code, 0, json.stderr);
    for (const a of JSON.parse(json.stdout) as Analysis[]) cached.set(a.file, a);
    assert.equal(cached.size, 2);
  });

  it("rekordbox-xml (from -o's .xml): every analysed track, Location, BPM, grid on the first downbeat, key", () => {
    const out = join(dir, "rekordbox.xml");
    const r = cli(["export", lib, "-o", out, "--playlist", "Set & Co"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /export: 2 tracks \(rekordbox-xml\).*left out: 1 failed/);
    const rb = readRekordbox(readFileSync(out, "utf8"));
    assert.equal(rb.playlist.name, "Set & Co");
    assert.deepEqual(rb.tracks.map((t) => pathOfLocation(t.attrs.Location)).sort(), [steadyPath, rampPath].sort());
    for (const t of rb.tracks) {
      const a = cached.get(pathOfLocation(t.attrs.Location)) as Analysis;
      assert.ok(a?.tempo && a.beats && a.downbeats, `the cached analysis of ${t.attrs.Location} has tempo, beats and downbeats`);
      assert.equal(t.attrs.AverageBpm, a.tempo.bpm.toFixed(2));
      assert.equal(t.attrs.TotalTime, String(Math.round(a.duration)));
      assert.equal(t.attrs.Kind, "WAV File");
      assert.equal(t.attrs.Size, String(readFileSync(pathOfLocation(t.attrs.Location)).length));
      // the drum pattern may have no key; the track is exported all the same
      assert.equal(t.attrs.Tonality, a.key ? KEYS.find((k) => `${k[0]} ${k[1]}` === a.key?.name)?.[2] : undefined);
      assert.equal(t.tempos[0].battito, 1);
      assert.ok(Math.abs(t.tempos[0].inizio - a.downbeats[0]) <= 0.02, `first TEMPO ${t.tempos[0].inizio} at the first downbeat ${a.downbeats[0]} (±20 ms)`);
      const grid = gridBeatTimes(t.tempos, a.duration);
      const firstDownbeat = a.downbeats[0];
      const off = a.beats.filter((b) => b >= firstDownbeat && Math.abs(nearest(grid, b) - b) > 0.03);
      assert.ok(off.length <= a.beats.length * 0.05, `beats off the written grid by > 30 ms: ${off.length} of ${a.beats.length}`);
      if (a.tempoCurve?.steady) {
        assert.equal(t.tempos.length, 1);
        assert.ok(Math.abs(t.tempos[0].bpm - a.tempo.bpm) / a.tempo.bpm < 0.005, `grid BPM ${t.tempos[0].bpm} vs ${a.tempo.bpm}`);
      } else {
        assert.ok(t.tempos.length > 1, "a moving tempo gives a dynamic grid");
      }
      // cues from the structure analysis: each a memory cue, the first eight also hot cues, in seconds
      const cues = [...(a.cues ?? [])].sort((x, y) => x.time - y.time);
      const memory = t.marks.filter((m) => m.num === -1);
      assert.equal(memory.length, cues.length, "one memory cue per cue");
      memory.forEach((m, i) => assert.ok(Math.abs(m.start - cues[i].time) <= 0.0005 && m.name === cues[i].name, `memory cue ${i}`));
      assert.equal(t.marks.filter((m) => m.num >= 0).length, Math.min(8, cues.length), "hot cues");
    }
    assert.ok(cached.get(steadyPath)?.key, "the demo track (A minor) has a key");
    assert.ok(rb.tracks.some((t) => t.marks.length > 0), "structure gave cues to export (at least the first downbeat)");
    // the ramp really is the dynamic case
    const ramp = cached.get(rampPath) as Analysis;
    assert.equal(ramp.tempoCurve?.steady, false);
    const rampTrack = rb.tracks.find((t) => pathOfLocation(t.attrs.Location) === rampPath) as RbTrack;
    assert.ok(rampTrack.tempos[0].bpm < 121 && rampTrack.tempos[rampTrack.tempos.length - 1].bpm > 131, "the grid follows 116 → 136");
  });

  it("traktor-nml (from -o's .nml): LOCATION, BPM, AutoGrid marker in ms on the first downbeat, MUSICAL_KEY", () => {
    const out = join(dir, "collection.nml");
    const r = cli(["export", lib, "-o", out, "--key-notation", "camelot", "--traktor-volume", ""]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /export: 2 tracks \(traktor-nml\).*left out: 1 failed/);
    const tk = readTraktor(readFileSync(out, "utf8"));
    assert.deepEqual(tk.entries.map((e) => pathOfTraktor(e.location)).sort(), [steadyPath, rampPath].sort());
    for (const e of tk.entries) {
      const a = cached.get(pathOfTraktor(e.location)) as Analysis;
      assert.ok(a?.tempo && a.downbeats, "the cached analysis has tempo and downbeats");
      const k = KEYS.find((x) => `${x[0]} ${x[1]}` === a.key?.name);
      assert.equal(e.musicalKey, k ? k[5] : null);
      assert.equal(e.info.KEY, k ? k[3] : undefined, "--key-notation camelot");
      const grid = e.cues.filter((c) => c.type === 4);
      assert.ok(grid.length >= 1, "a grid marker");
      assert.ok(Math.abs(grid[0].startMs - a.downbeats[0] * 1000) <= 20, `AutoGrid ${grid[0].startMs} ms at the first downbeat`);
      assert.ok(e.bpm !== null && Math.abs(e.bpm - a.tempo.bpm) / a.tempo.bpm < 0.03, `BPM ${e.bpm} vs ${a.tempo.bpm}`);
      const tkGrid = gridBeatTimes(grid.map((c) => ({ inizio: c.startMs / 1000, bpm: e.bpm as number })), a.duration);
      const firstDownbeat = a.downbeats[0];
      const off = (a.beats ?? []).filter((b) => b >= firstDownbeat && Math.abs(nearest(tkGrid, b) - b) > 0.045);
      assert.ok(off.length <= (a.beats ?? []).length * 0.05, `beats off Traktor's grid by > 45 ms: ${off.length}`);
      const cues = [...(a.cues ?? [])].sort((x, y) => x.time - y.time);
      const memory = e.cues.filter((c) => c.type === 0 && c.hotcue === -1);
      assert.equal(memory.length, cues.length, "one CUE_V2 per cue");
      memory.forEach((c, i) => assert.ok(Math.abs(c.startMs - cues[i].time * 1000) <= 1e-3, `cue ${i} START in ms`));
    }
  });

  it("m3u8 (from -o's .m3u8): the analysed tracks, by absolute path, with their durations", () => {
    const out = join(dir, "set.m3u8");
    const r = cli(["export", lib, "-o", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /export: 2 tracks \(m3u8\).*left out: 1 failed/);
    const m = readM3u(readFileSync(out, "utf8"));
    assert.deepEqual(m.entries.map((e) => e.path).sort(), [steadyPath, rampPath].sort());
    for (const e of m.entries) assert.equal(e.seconds, Math.round((cached.get(e.path) as Analysis).duration));
    assert.equal(cli(["export", lib, "-o", out, "--cues", "hot"]).code, 2, "an m3u8 holds no cues");
  });

  it("--format names the format whatever the extension; json/ndjson/csv still work; bad options exit 2", () => {
    const out = join(dir, "library.out");
    assert.equal(cli(["export", lib, "--format", "traktor-nml", "-o", out]).code, 0);
    assert.match(readFileSync(out, "utf8"), /<NML VERSION="19">/);
    const toStdout = cli(["export", lib, "--format", "rekordbox-xml"]);
    assert.equal(toStdout.code, 0);
    assert.equal(readRekordbox(toStdout.stdout).tracks.length, 2);
    const csv = cli(["export", lib, "--format", "csv"]);
    assert.equal(csv.code, 0);
    assert.match(csv.stdout.split("\n")[0], /^file,/);
    const nd = cli(["export", lib]);
    assert.equal(nd.stdout.trim().split("\n").length, 3, "ndjson: both results and the failure");
    for (const bad of [
      ["--format", "serato"],
      ["--format", "rekordbox-xml", "--key-notation", "lancelot"],
      ["--format", "rekordbox-xml", "--cues", "some"],
      ["--format", "rekordbox-xml", "--traktor-volume", "X"],
      ["--format", "csv", "--key-notation", "camelot"],
    ]) {
      const r = cli(["export", lib, ...bad]);
      assert.equal(r.code, 2, `${bad.join(" ")}: ${r.stderr}`);
    }
  });
});
