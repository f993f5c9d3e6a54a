/**
 * Traktor NML (`NML VERSION="19"`, the collection.nml of Traktor Pro 3 and 4).
 *
 * Native Instruments publishes no specification; this follows the open readers and the files
 * Traktor itself writes:
 *  - Mixxx's Traktor library reader (mixxxdj/mixxx src/library/traktor/traktorfeature.cpp):
 *    ENTRY TITLE/ARTIST; LOCATION VOLUME + DIR (folders joined by "/:", starting and ending with
 *    "/:") + FILE is the path, VOLUME being the drive ("C:") on Windows and the volume name under
 *    /Volumes on macOS; INFO KEY, PLAYTIME; TEMPO BPM; PLAYLISTS: NODE TYPE="FOLDER" NAME="$ROOT",
 *    NODE TYPE="PLAYLIST", PRIMARYKEY TYPE="TRACK" KEY=VOLUME+DIR+FILE.
 *  - Mixxx's traktor_cue.cpp: CUE_V2 START and LEN are milliseconds (floats); TYPE 0 is a cue,
 *    4 the grid marker ("AutoGrid"); HOTCUE is the slot 0–7, -1 for none.
 *  - traktor-nml-utils (wolkenarchitekt) test fixtures, written by Traktor: HEAD COMPANY/PROGRAM,
 *    MUSICFOLDERS, COLLECTION ENTRIES, INFO KEY="10m" with MUSICAL_KEY VALUE="12" (C minor: 0–11
 *    major C…B, 12–23 minor C…B), TEMPO BPM_QUALITY, CUE_V2 DISPL_ORDER/REPEATS, PLAYLIST
 *    ENTRIES/TYPE="LIST"/UUID, SUBNODES COUNT.
 * Traktor's grid has one BPM per track: a tempo that moves gets the average BPM and a grid marker
 * wherever that one-BPM grid would stray more than 15 ms from the detected beats (each re-anchors
 * the phase on a beat).
 */
import { createHash } from "node:crypto";
import { create } from "xmlbuilder2";
import {
  beatGridOf,
  commentText,
  DEFAULT_PLAYLIST,
  displayText,
  type DjExportOptions,
  type ExportTrack,
  exportCues,
  fixed,
  keyText,
  pathParts,
  titleOf,
  traktorKeyValue,
  xmlSafePath,
} from "./common.js";

export interface TraktorOptions extends DjExportOptions {
  /**
   * Traktor's VOLUME for files not under /Volumes/NAME (macOS: the name of the start-up disk,
   * "Macintosh HD" unless renamed). Default: "Macintosh HD" when exporting on macOS, else none.
   */
  volume?: string;
  /** The date written as MODIFIED_DATE/IMPORT_DATE (default: today); fixed in tests. */
  date?: Date;
}

export interface TraktorLocation {
  VOLUME: string;
  DIR: string;
  FILE: string;
}

/** LOCATION of a path: the volume (drive, /Volumes/NAME, or `volume`), DIR in "/:" form, FILE. */
export function traktorLocation(path: string, volume = defaultVolume()): TraktorLocation {
  const { drive, parts } = pathParts(path);
  let vol = drive ?? volume;
  let dirs = parts.slice(0, -1);
  // A macOS path on another disk: that disk's name is the volume, the path starts below it.
  if (!drive && parts[0] === "Volumes" && parts.length > 2) {
    vol = parts[1];
    dirs = parts.slice(2, -1);
  }
  return { VOLUME: vol, DIR: `/:${dirs.map((d) => `${d}/:`).join("")}`, FILE: parts[parts.length - 1] ?? "" };
}

const defaultVolume = () => (process.platform === "darwin" ? "Macintosh HD" : "");

/** PLAYLIST PRIMARYKEY KEY: the location joined as Traktor keys its collection. */
export const traktorKey = (l: TraktorLocation) => `${l.VOLUME}${l.DIR}${l.FILE}`;

/** "2026/11/30", the date form of Traktor's MODIFIED_DATE and IMPORT_DATE. */
const traktorDate = (d: Date) => `${d.getUTCFullYear()}/${d.getUTCMonth() + 1}/${d.getUTCDate()}`;

/**
 * Writes the NML. Tracks whose path has a control character are left out: NML names files by
 * plain attributes (DIR, FILE, KEY), which cannot hold them exactly (see xmlSafePath); the caller
 * counts them.
 */
export function traktorNml(all: readonly ExportTrack[], options: TraktorOptions = {}): string {
  const tracks = all.filter((t) => xmlSafePath(t.path));
  const notation = options.keyNotation ?? "open-key";
  const date = traktorDate(options.date ?? new Date());
  const nml = create({ version: "1.0", encoding: "UTF-8", standalone: false }).ele("NML", { VERSION: "19" });
  nml.ele("HEAD", { COMPANY: "www.native-instruments.com", PROGRAM: "Traktor" });
  nml.ele("MUSICFOLDERS");
  const collection = nml.ele("COLLECTION", { ENTRIES: String(tracks.length) });
  const keys: string[] = [];
  for (const t of tracks) {
    const a = t.analysis;
    const loc = traktorLocation(t.path, options.volume);
    keys.push(traktorKey(loc));
    const grid = beatGridOf(a);
    // LOCK keeps Traktor's own analysis from replacing the exported grid and BPM.
    const entryAttrs: Record<string, string> = { MODIFIED_DATE: date, TITLE: displayText(titleOf(t.path)) };
    if (grid) entryAttrs.LOCK = "1";
    const entry = collection.ele("ENTRY", entryAttrs);
    entry.ele("LOCATION", { ...loc, VOLUMEID: loc.VOLUME });
    const info: Record<string, string> = {
      PLAYTIME: String(Math.round(a.duration)),
      PLAYTIME_FLOAT: fixed(a.duration, 6),
      IMPORT_DATE: date,
    };
    const key = keyText(a, notation);
    if (key) info.KEY = key;
    const comment = options.comments ? commentText(a, notation) : null;
    if (comment) info.COMMENT = comment;
    entry.ele("INFO", info);
    if (grid) entry.ele("TEMPO", { BPM: fixed(grid.bpm, 6), BPM_QUALITY: "100.000000" });
    else if (a.tempo) entry.ele("TEMPO", { BPM: fixed(a.tempo.bpm, 6), BPM_QUALITY: "100.000000" });
    const keyValue = traktorKeyValue(a);
    if (keyValue !== null) entry.ele("MUSICAL_KEY", { VALUE: String(keyValue) });
    if (grid) {
      for (const m of grid.fixedBpmMarkers) {
        entry.ele("CUE_V2", cue("AutoGrid", 4, m.time, -1));
      }
    }
    for (const c of exportCues(a, options.cues)) entry.ele("CUE_V2", cue(displayText(c.name), 0, c.time, c.hotCue ?? -1));
  }
  const root = nml.ele("PLAYLISTS").ele("NODE", { TYPE: "FOLDER", NAME: "$ROOT" }).ele("SUBNODES", { COUNT: "1" });
  const name = displayText(options.playlistName ?? DEFAULT_PLAYLIST);
  const playlist = root.ele("NODE", { TYPE: "PLAYLIST", NAME: name }).ele("PLAYLIST", { ENTRIES: String(tracks.length), TYPE: "LIST", UUID: uuidOf(name, keys) });
  for (const k of keys) playlist.ele("ENTRY").ele("PRIMARYKEY", { TYPE: "TRACK", KEY: k });
  return `${nml.end({ prettyPrint: true })}\n`;
}

/** CUE_V2 attributes; START and LEN in milliseconds. */
function cue(name: string, type: number, seconds: number, hotcue: number): Record<string, string> {
  return {
    NAME: name,
    DISPL_ORDER: "0",
    TYPE: String(type),
    START: fixed(Math.max(0, seconds) * 1000, 6),
    LEN: "0.000000",
    REPEATS: "-1",
    HOTCUE: String(hotcue),
  };
}

/** A playlist UUID (32 hex digits, as Traktor writes them) that the same export reproduces. */
function uuidOf(name: string, keys: string[]): string {
  return createHash("sha256").update(JSON.stringify([name, keys])).digest("hex").slice(0, 32);
}
