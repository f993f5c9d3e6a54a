/**
 * An extended M3U playlist in UTF-8 (.m3u8) of the exported tracks: the one library file every DJ
 * program imports as a playlist (Rekordbox, Traktor, Serato, Engine DJ, Mixxx, VirtualDJ). It holds
 * no grid, key or cues: with `scan --write-tags` the programs read BPM and key from the files' tags.
 *
 * Lines as in RFC 8216 §4.3.1.1 and §4.3.2.1 (`#EXTM3U` first, `#EXTINF:<duration>,<title>` before each
 * URI) with absolute file paths as the URIs, as desktop players write them; `#PLAYLIST:` is the
 * de-facto playlist-title tag (VLC, Mixxx write it).
 */
import { DEFAULT_PLAYLIST, type DjExportOptions, type ExportTrack, titleOf } from "./common.js";

export function m3u8(tracks: readonly ExportTrack[], options: DjExportOptions = {}): string {
  // One entry per line: a line break inside a name would split the entry, so it becomes a space.
  const oneLine = (s: string) => s.replace(/[\r\n]+/g, " ");
  const lines = ["#EXTM3U", `#PLAYLIST:${oneLine(options.playlistName ?? DEFAULT_PLAYLIST)}`];
  for (const t of tracks) {
    // A path with a line break cannot be an M3U entry (the line would end inside it).
    if (/[\r\n]/.test(t.path)) continue;
    lines.push(`#EXTINF:${Math.round(t.analysis.duration)},${oneLine(titleOf(t.path))}`);
    lines.push(t.path);
  }
  return `${lines.join("\n")}\n`;
}
