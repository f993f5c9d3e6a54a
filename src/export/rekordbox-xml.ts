/**
 * Rekordbox XML (`DJ_PLAYLISTS` Version 1.0.0): the file Rekordbox shows as its "rekordbox xml"
 * library and imports tracks, beat grids, cues and playlists from.
 *
 * Locations are percent-encoded, so any path can be written; names lose control characters.
 *
 * Follows Pioneer DJ / AlphaTheta's published attribute list, "rekordbox XML format"
 * (https://cdn.rekordbox.com/files/20200410160904/xml_format_list.pdf, linked from
 * https://rekordbox.com/en/support/developer/; reproduced in pyrekordbox's docs/source/formats/xml.md):
 *  - TRACK: "Location" is essential; Location is a URI (file://localhost/ + percent-encoded path);
 *    TotalTime in whole seconds; AverageBpm float; Tonality text.
 *  - TEMPO: Inizio (s, "with decimal numbers"), Bpm, Metro ("4/4", "3/4" …), Battito (beat in the bar,
 *    1..4 in 4/4). Several TEMPO per track make a dynamic grid, each anchoring from its Inizio on.
 *  - POSITION_MARK: Name, Type (Cue 0, Fade-In 1, Fade-Out 2, Load 3, Loop 4), Start (s),
 *    Num (hot cue A = 0, B = 1 …; memory cue -1).
 *  - PLAYLISTS: NODE Type 0 (folder) named ROOT with Count, holding NODE Type 1 (playlist) with
 *    Entries and KeyType 0 (tracks named by TrackID), holding TRACK Key=TrackID.
 */
import { create } from "xmlbuilder2";
import { VERSION } from "../result.js";
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
} from "./common.js";

/** Rekordbox's "Kind" column for the formats trackprobe recognises (its own wording: "MP3 File"). */
const KIND: Record<string, string> = {
  mp3: "MP3 File",
  wav: "WAV File",
  flac: "FLAC File",
  aiff: "AIFF File",
  m4a: "M4A File",
  aac: "AAC File",
  "ogg-vorbis": "OGG File",
  opus: "OPUS File",
};

/**
 * The file URI Rekordbox expects: file://localhost/ then the absolute path with "/" separators,
 * each segment percent-encoded as UTF-8 (space %20, # %23, % %25, & %26, ' %27 …); a Windows drive
 * letter stays as "C:".
 */
export function rekordboxLocation(path: string): string {
  const { drive, parts } = pathParts(path);
  // encodeURIComponent leaves !'()* as they are; encoded too, as Python's quote() (pyrekordbox) does.
  const segments = parts.map((p) => encodeURIComponent(p).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
  return `file://localhost/${drive ? `${drive}/` : ""}${segments.join("/")}`;
}

export function rekordboxXml(tracks: readonly ExportTrack[], options: DjExportOptions = {}): string {
  const notation = options.keyNotation ?? "standard";
  const root = create({ version: "1.0", encoding: "UTF-8" }).ele("DJ_PLAYLISTS", { Version: "1.0.0" });
  // "This name will be displayed in each application software."
  root.ele("PRODUCT", { Name: "trackprobe", Version: VERSION, Company: "trackprobe" });
  const collection = root.ele("COLLECTION", { Entries: String(tracks.length) });
  tracks.forEach((t, i) => {
    const a = t.analysis;
    const attrs: Record<string, string> = {
      TrackID: String(i + 1),
      Name: displayText(titleOf(t.path)),
      Kind: KIND[a.format] ?? `${a.format.toUpperCase()} File`,
      TotalTime: String(Math.round(a.duration)),
      SampleRate: String(a.sampleRate),
      Location: rekordboxLocation(t.path),
    };
    if (t.size !== undefined) attrs.Size = String(t.size);
    if (a.tempo) attrs.AverageBpm = fixed(a.tempo.bpm, 2);
    const key = keyText(a, notation);
    if (key) attrs.Tonality = key;
    const comment = options.comments ? commentText(a, notation) : null;
    if (comment) attrs.Comments = comment;
    const track = collection.ele("TRACK", attrs);
    const grid = beatGridOf(a);
    if (grid) {
      const metro = `${grid.beatsPerBar}/4`;
      for (const m of grid.markers) {
        // 3 decimals as Rekordbox writes them (1 ms); Bpm with 2 as in its own files.
        track.ele("TEMPO", { Inizio: fixed(Math.max(0, m.time), 3), Bpm: fixed(m.bpm, 2), Metro: metro, Battito: String(m.beatInBar) });
      }
    }
    for (const c of exportCues(a, options.cues)) {
      track.ele("POSITION_MARK", { Name: displayText(c.name), Type: "0", Start: fixed(c.time, 3), Num: String(c.hotCue ?? -1) });
    }
  });
  const playlists = root.ele("PLAYLISTS").ele("NODE", { Type: "0", Name: "ROOT", Count: "1" });
  const list = playlists.ele("NODE", { Name: displayText(options.playlistName ?? DEFAULT_PLAYLIST), Type: "1", KeyType: "0", Entries: String(tracks.length) });
  tracks.forEach((_, i) => list.ele("TRACK", { Key: String(i + 1) }));
  return `${root.end({ prettyPrint: true })}\n`;
}
