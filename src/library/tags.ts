/**
 * Writing BPM and key (and, on request, ReplayGain) into a file's own tags (`scan --write-tags`),
 * with node-taglib-sharp (LGPL-2.1, used unmodified as a separate npm package; loaded only when
 * tags are written).
 *
 *   MP3           ID3v2 TBPM, TKEY; TXXX REPLAYGAIN_TRACK_GAIN / _PEAK
 *   FLAC, Ogg     Vorbis comments BPM, INITIALKEY and KEY (music-metadata reads KEY, most DJ
 *                 software INITIALKEY); TEMPO too when the file already has one;
 *                 REPLAYGAIN_TRACK_GAIN / _PEAK
 *   Opus          as Ogg, but R128_TRACK_GAIN instead of REPLAYGAIN_* (RFC 7845 §5.2.1)
 *   M4A/MP4       tmpo atom, ----:com.apple.iTunes:initialkey, ----:com.apple.iTunes:REPLAYGAIN_*
 *
 * Only the tag that holds these fields is written: a tag type the file did not have (taglib
 * creates an ID3v1 tag for every MP3 it opens) is dropped before saving. Values the file already
 * has are kept unless `overwrite` is set (bpm-tag's default).
 *
 * The file is never modified in place: it is copied to a temporary file in the same folder, the
 * copy is tagged, flushed to disk (fsync) and renamed over the original (then the folder is
 * fsynced). Every other tag and the audio bytes are kept as they are; a file whose tags already
 * hold these values is not rewritten at all; a file that changed since it was analysed is left
 * alone.
 */
import { constants, promises as fs } from "node:fs";
import { dirname } from "node:path";
import type { Analysis } from "../result.js";
import type { FileStamp } from "../cache/store.js";
import { sameStamp, stampOf } from "../cache/store.js";
import { removeStaleTemps, tempPathFor } from "../temp-files.js";

export const KEY_NOTATIONS = ["standard", "camelot", "openkey"] as const;
export type KeyNotation = (typeof KEY_NOTATIONS)[number];

/** Sniffed formats whose tags are written, and the taglib type that reads them. */
const TAGLIB_TYPES: Record<string, string> = {
  mp3: "taglib/mp3",
  flac: "taglib/flac",
  "ogg-vorbis": "taglib/ogg",
  opus: "taglib/opus",
  m4a: "taglib/m4a",
};

export const taggableFormat = (format: string) => format in TAGLIB_TYPES;

/** What `--write-tags` was asked to do. */
export interface TagSettings {
  notation: KeyNotation;
  /** Report what would be written; change nothing. */
  dryRun: boolean;
  /** Replace BPM, key and gain values the file already has (default: keep them). */
  overwrite?: boolean;
  /** Also write ReplayGain 2.0 (R128 for Opus) from the measured loudness. */
  replayGain?: boolean;
}

/** The measured values to write; null: leave that field alone. */
export interface TagValues {
  /** Integer BPM as text (ID3 TBPM and MP4 tmpo are integers). */
  bpm: string | null;
  key: string | null;
  /** Integrated loudness (LUFS) and true peak (dBTP) for the gain tags. */
  loudness?: { integrated: number; truePeak: number | null } | null;
}

/** ReplayGain 2.0's reference loudness: the track gain brings the track to −18 LUFS. */
export const REPLAYGAIN_REFERENCE_LUFS = -18;
/** RFC 7845 §5.2.1: R128_TRACK_GAIN brings the track to EBU R128's −23 LUFS. */
export const R128_REFERENCE_LUFS = -23;

/** The values to write for an analysis: BPM rounded to an integer, key in the chosen notation. */
export function tagValuesOf(a: Analysis, notation: KeyNotation, opts: { replayGain?: boolean } = {}): TagValues {
  const bpm = a.tempo ? String(Math.round(a.tempo.bpm)) : null;
  let key: string | null = null;
  if (a.key) {
    // ID3v2's TKEY convention: "A", "F#m" (sharps; "m" for minor).
    if (notation === "standard") key = `${a.key.tonic}${a.key.mode === "minor" ? "m" : ""}`;
    else if (notation === "camelot") key = a.key.camelot;
    else key = a.key.openKey;
  }
  const l = a.loudness;
  const loudness = opts.replayGain && l?.integrated != null ? { integrated: l.integrated, truePeak: l.truePeak } : null;
  return { bpm, key, loudness };
}

/** The tag fields, as text in the form they are stored in; null: not there / not to be written. */
export interface TagFields {
  bpm: string | null;
  key: string | null;
  /** REPLAYGAIN_TRACK_GAIN, "-3.21 dB". */
  trackGain: string | null;
  /** REPLAYGAIN_TRACK_PEAK, linear amplitude, "0.891251". */
  trackPeak: string | null;
  /** Opus R128_TRACK_GAIN, Q7.8 fixed point dB as an integer, "-1234". */
  r128TrackGain: string | null;
}

const FIELD_NAMES = ["bpm", "key", "trackGain", "trackPeak", "r128TrackGain"] as const;
type FieldName = (typeof FIELD_NAMES)[number];

const gainText = (db: number) => `${db.toFixed(2)} dB`;
const peakText = (linear: number) => linear.toFixed(6);

/**
 * The fields to write for `values` in a file of `format`. Opus gets R128_TRACK_GAIN only (RFC
 * 7845 §5.2.1: an Opus comment header SHOULD NOT hold REPLAYGAIN_* tags), relative to the output
 * gain of its ID header, which players always apply and the analysis did not (the decoder
 * leaves it out).
 */
export function fieldsFor(format: string, values: TagValues, opusOutputGainDb = 0): TagFields {
  const f: TagFields = { bpm: values.bpm, key: values.key, trackGain: null, trackPeak: null, r128TrackGain: null };
  const l = values.loudness;
  if (!l) return f;
  if (format === "opus") {
    const q78 = Math.round((R128_REFERENCE_LUFS - (l.integrated + opusOutputGainDb)) * 256);
    f.r128TrackGain = String(Math.max(-32768, Math.min(32767, q78)));
  } else {
    f.trackGain = gainText(REPLAYGAIN_REFERENCE_LUFS - l.integrated);
    if (l.truePeak != null) f.trackPeak = peakText(10 ** (l.truePeak / 20));
  }
  return f;
}

export type TagAction = "written" | "unchanged" | "kept" | "would-write" | "skipped" | "failed";

export interface TagReport {
  file: string;
  /** "kept": the file already had other values, and --overwrite-tags was not given. */
  action: TagAction;
  /** The values written (or that would be): null for a field left alone. */
  bpm?: string | null;
  key?: string | null;
  trackGain?: string | null;
  trackPeak?: string | null;
  r128TrackGain?: string | null;
  /** Values found in the file before (when they differed). */
  before?: TagFields;
  /** Why nothing was written (skipped/failed). */
  reason?: string;
}

export interface WriteTagsOptions {
  /** Report what would be written; change nothing. */
  dryRun?: boolean;
  /** Replace values the file already has (default: keep them, write only missing fields). */
  overwrite?: boolean;
  /** Name used in the report (default: the path). */
  name?: string;
  /** The stamp the analysed file had: a file that differs now is not touched. */
  expect?: FileStamp;
}

export interface WriteTagsResult {
  report: TagReport;
  /** The file's new stamp after a write. */
  stamp?: FileStamp;
}

type Taglib = typeof import("node-taglib-sharp");
let taglibModule: Promise<Taglib> | null = null;
const loadTaglib = () => (taglibModule ??= import("node-taglib-sharp"));

export async function writeTags(path: string, format: string, values: TagValues, options: WriteTagsOptions = {}): Promise<WriteTagsResult> {
  const file = options.name ?? path;
  const mime = TAGLIB_TYPES[format];
  if (!mime) return { report: { file, action: "skipped", reason: `tags are not written to ${format} files` } };
  if (values.bpm === null && values.key === null && !values.loudness) return { report: { file, action: "skipped", reason: "no tempo or key to write" } };
  let want: TagFields;
  try {
    want = fieldsFor(format, values, format === "opus" && values.loudness ? await opusOutputGainDb(path) : 0);
  } catch (e) {
    return { report: { file, action: "failed", reason: `cannot read the Opus header: ${(e as Error).message}` } };
  }
  const taglib = await loadTaglib();
  let before: TagFields;
  try {
    const f = taglib.File.createFromPath(path, mime, taglib.ReadStyle.None);
    try {
      before = readFields(taglib, f, format);
    } finally {
      f.dispose();
    }
  } catch (e) {
    return { report: { file, action: "failed", reason: `cannot read the tags: ${(e as Error).message}` } };
  }
  // Field by field: write what is missing or (with overwrite) different; keep what the file has.
  const write: TagFields = { bpm: null, key: null, trackGain: null, trackPeak: null, r128TrackGain: null };
  let kept = false;
  for (const n of FIELD_NAMES) {
    if (want[n] === null || want[n] === before[n]) continue;
    if (before[n] !== null && !options.overwrite) kept = true;
    else write[n] = want[n];
  }
  const base = { file, ...write };
  if (FIELD_NAMES.every((n) => write[n] === null)) return { report: { ...base, action: kept ? "kept" : "unchanged", before: kept ? before : undefined } };
  if (options.dryRun) return { report: { ...base, action: "would-write", before } };

  await removeStaleTemps(path);
  const tmp = tempPathFor(path);
  try {
    const st = await fs.stat(path, { bigint: true });
    if (options.expect && !sameStamp(stampOf(st), options.expect)) {
      return { report: { ...base, action: "skipped", reason: "the file changed since it was analysed" } };
    }
    await fs.copyFile(path, tmp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    const f = taglib.File.createFromPath(tmp, mime, taglib.ReadStyle.None);
    try {
      setFields(taglib, f, format, write);
      // Add only the tag these fields live in: taglib creates an ID3v1 tag for every MP3 it
      // opens, which would add a lossy Latin-1 copy of the ID3v2 text to a file that had none.
      const created = f.tagTypes & ~f.tagTypesOnDisk & ~tagTypeOf(taglib, format);
      if (created) f.removeTags(created);
      f.save();
    } finally {
      f.dispose();
    }
    const h = await fs.open(tmp, "r+");
    try {
      await h.chmod(Number(st.mode) & 0o7777);
      if (process.getuid?.() === 0) await h.chown(Number(st.uid), Number(st.gid)).catch(() => {});
      await h.sync();
    } finally {
      await h.close();
    }
    // Last check before replacing: nobody wrote the original while we tagged the copy.
    const now = await fs.stat(path, { bigint: true });
    if (!sameStamp(stampOf(now), stampOf(st))) {
      await fs.rm(tmp, { force: true });
      return { report: { ...base, action: "skipped", reason: "the file changed while its tags were written" } };
    }
    await fs.rename(tmp, path);
    await syncDir(dirname(path));
    const after = stampOf(await fs.stat(path, { bigint: true }));
    return { report: { ...base, action: "written", before }, stamp: after };
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => {});
    return { report: { ...base, action: "failed", reason: (e as Error).message } };
  }
}

/**
 * The output gain of an Ogg Opus file's ID header, dB (RFC 7845 §5.1: "OpusHead" opens the
 * first page's packet; a signed 16-bit little-endian Q7.8 value at byte 16 of it).
 */
export async function opusOutputGainDb(path: string): Promise<number> {
  const h = await fs.open(path, "r");
  try {
    const b = Buffer.alloc(27 + 255 + 19);
    const { bytesRead } = await h.read(b, 0, b.length, 0);
    const at = 27 + (bytesRead > 26 ? b[26] : 0); // page header, then its segment table
    if (b.toString("latin1", 0, 4) !== "OggS" || at + 19 > bytesRead || b.toString("latin1", at, at + 8) !== "OpusHead") {
      throw new Error("no OpusHead packet on the first page");
    }
    return b.readInt16LE(at + 16) / 256;
  } finally {
    await h.close();
  }
}

type TaglibFile = import("node-taglib-sharp").File;
type XiphComment = import("node-taglib-sharp").XiphComment;
type Tag = import("node-taglib-sharp").Tag;

const XIPH_FORMATS = new Set(["flac", "ogg-vorbis", "opus"]);

function tagTypeOf(t: Taglib, format: string): number {
  return XIPH_FORMATS.has(format) ? t.TagTypes.Xiph : format === "m4a" ? t.TagTypes.Apple : t.TagTypes.Id3v2;
}

const orNull = (s: string | undefined | null) => (s ? s : null);
const numberOrNull = (n: number | undefined) => (n !== undefined && Number.isFinite(n) && n !== 0 ? String(n) : null);

function readFields(t: Taglib, f: TaglibFile, format: string): TagFields {
  const tag = f.getTag(tagTypeOf(t, format), false) as Tag | undefined;
  if (!tag) return { bpm: null, key: null, trackGain: null, trackPeak: null, r128TrackGain: null };
  // Gains are compared in the form they are written in, whatever the form found.
  const gain = Number.isFinite(tag.replayGainTrackGain) ? gainText(tag.replayGainTrackGain) : null;
  const peak = Number.isFinite(tag.replayGainTrackPeak) ? peakText(tag.replayGainTrackPeak) : null;
  if (XIPH_FORMATS.has(format)) {
    const x = tag as XiphComment;
    const r128 = orNull(x.getFieldFirstValue("R128_TRACK_GAIN"));
    return { bpm: orNull(x.getFieldFirstValue("BPM")), key: orNull(x.getFieldFirstValue("INITIALKEY")), trackGain: gain, trackPeak: peak, r128TrackGain: r128 };
  }
  return { bpm: numberOrNull(tag.beatsPerMinute), key: orNull(tag.initialKey), trackGain: gain, trackPeak: peak, r128TrackGain: null };
}

function setFields(t: Taglib, f: TaglibFile, format: string, v: TagFields): void {
  const tag = f.getTag(tagTypeOf(t, format), true) as Tag;
  if (XIPH_FORMATS.has(format)) {
    const x = tag as XiphComment;
    if (v.bpm !== null) {
      x.setFieldAsStrings("BPM", v.bpm);
      if (x.getFieldFirstValue("TEMPO")) x.setFieldAsStrings("TEMPO", v.bpm);
    }
    if (v.key !== null) {
      x.setFieldAsStrings("INITIALKEY", v.key);
      x.setFieldAsStrings("KEY", v.key);
    }
    if (v.r128TrackGain !== null) x.setFieldAsStrings("R128_TRACK_GAIN", v.r128TrackGain);
  } else {
    if (v.bpm !== null) tag.beatsPerMinute = Number(v.bpm);
    if (v.key !== null) tag.initialKey = v.key;
  }
  // taglib writes these as "%.2f dB" and "%.6f", the form gainText and peakText make.
  if (v.trackGain !== null) tag.replayGainTrackGain = Number.parseFloat(v.trackGain);
  if (v.trackPeak !== null) tag.replayGainTrackPeak = Number.parseFloat(v.trackPeak);
}

async function syncDir(dir: string): Promise<void> {
  try {
    const h = await fs.open(dir, "r");
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // some filesystems cannot fsync a directory; the rename itself is still atomic
  }
}
