/**
 * Writing BPM and key into a file's own tags (`scan --write-tags`), with node-taglib-sharp
 * (LGPL-2.1, used unmodified as a separate npm package; loaded only when tags are written).
 *
 *   MP3           ID3v2 TBPM, TKEY
 *   FLAC, Ogg     Vorbis comments BPM, INITIALKEY and KEY (music-metadata reads KEY, most DJ
 *                 software INITIALKEY); TEMPO too when the file already has one
 *   M4A/MP4       tmpo atom, ----:com.apple.iTunes:initialkey
 *
 * The file is never modified in place: it is copied to a temporary file in the same folder, the
 * copy is tagged, flushed to disk (fsync) and renamed over the original (then the folder is
 * fsynced). Every other tag and the audio bytes are kept as they are; a file whose tags already
 * hold these values is not rewritten at all; a file that changed since it was analysed is left
 * alone.
 */
import { randomBytes } from "node:crypto";
import { constants, promises as fs } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Analysis } from "../result.js";
import type { FileStamp } from "../cache/store.js";
import { sameStamp, stampOf } from "../cache/store.js";

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

export interface TagValues {
  /** Integer BPM as text (ID3 TBPM and MP4 tmpo are integers), or null: leave BPM alone. */
  bpm: string | null;
  key: string | null;
}

/** The values to write for an analysis: BPM rounded to an integer, key in the chosen notation. */
export function tagValuesOf(a: Analysis, notation: KeyNotation): TagValues {
  const bpm = a.tempo ? String(Math.round(a.tempo.bpm)) : null;
  let key: string | null = null;
  if (a.key) {
    // ID3v2's TKEY convention: "A", "F#m" (sharps; "m" for minor).
    if (notation === "standard") key = `${a.key.tonic}${a.key.mode === "minor" ? "m" : ""}`;
    else if (notation === "camelot") key = a.key.camelot;
    else key = a.key.openKey;
  }
  return { bpm, key };
}

export type TagAction = "written" | "unchanged" | "would-write" | "skipped" | "failed";

export interface TagReport {
  file: string;
  action: TagAction;
  bpm?: string | null;
  key?: string | null;
  /** Values found in the file before (when they differed). */
  before?: TagValues;
  /** Why nothing was written (skipped/failed). */
  reason?: string;
}

export interface WriteTagsOptions {
  /** Report what would be written; change nothing. */
  dryRun?: boolean;
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
  const base = { file, bpm: values.bpm, key: values.key };
  const mime = TAGLIB_TYPES[format];
  if (!mime) return { report: { ...base, action: "skipped", reason: `tags are not written to ${format} files` } };
  if (values.bpm === null && values.key === null) return { report: { ...base, action: "skipped", reason: "no tempo or key to write" } };
  const taglib = await loadTaglib();
  let before: TagValues;
  try {
    const f = taglib.File.createFromPath(path, mime, taglib.ReadStyle.None);
    try {
      before = readValues(taglib, f, format);
    } finally {
      f.dispose();
    }
  } catch (e) {
    return { report: { ...base, action: "failed", reason: `cannot read the tags: ${(e as Error).message}` } };
  }
  if ((values.bpm === null || values.bpm === before.bpm) && (values.key === null || values.key === before.key)) {
    return { report: { ...base, action: "unchanged" } };
  }
  if (options.dryRun) return { report: { ...base, action: "would-write", before } };

  const tmp = join(dirname(path), `.${basename(path)}.trackprobe-${randomBytes(4).toString("hex")}.tmp`);
  try {
    const st = await fs.stat(path, { bigint: true });
    if (options.expect && !sameStamp(stampOf(st), options.expect)) {
      return { report: { ...base, action: "skipped", reason: "the file changed since it was analysed" } };
    }
    await fs.copyFile(path, tmp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    const f = taglib.File.createFromPath(tmp, mime, taglib.ReadStyle.None);
    try {
      setValues(taglib, f, format, values);
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

type TaglibFile = import("node-taglib-sharp").File;
type XiphComment = import("node-taglib-sharp").XiphComment;
type Id3v2Tag = import("node-taglib-sharp").Id3v2Tag;
type AppleTag = import("node-taglib-sharp").Mpeg4AppleTag;

function readValues(t: Taglib, f: TaglibFile, format: string): TagValues {
  if (format === "flac" || format === "ogg-vorbis" || format === "opus") {
    const x = f.getTag(t.TagTypes.Xiph, false) as XiphComment | undefined;
    return { bpm: x?.getFieldFirstValue("BPM") ?? null, key: x?.getFieldFirstValue("INITIALKEY") ?? null };
  }
  if (format === "m4a") {
    const a = f.getTag(t.TagTypes.Apple, false) as AppleTag | undefined;
    return { bpm: a?.beatsPerMinute ? String(a.beatsPerMinute) : null, key: a?.initialKey ?? null };
  }
  const i = f.getTag(t.TagTypes.Id3v2, false) as Id3v2Tag | undefined;
  return { bpm: i?.beatsPerMinute ? String(i.beatsPerMinute) : null, key: i?.initialKey ?? null };
}

function setValues(t: Taglib, f: TaglibFile, format: string, v: TagValues): void {
  if (format === "flac" || format === "ogg-vorbis" || format === "opus") {
    const x = f.getTag(t.TagTypes.Xiph, true) as XiphComment;
    if (v.bpm !== null) {
      x.setFieldAsStrings("BPM", v.bpm);
      if (x.getFieldFirstValue("TEMPO")) x.setFieldAsStrings("TEMPO", v.bpm);
    }
    if (v.key !== null) {
      x.setFieldAsStrings("INITIALKEY", v.key);
      x.setFieldAsStrings("KEY", v.key);
    }
  } else if (format === "m4a") {
    const a = f.getTag(t.TagTypes.Apple, true) as AppleTag;
    if (v.bpm !== null) a.beatsPerMinute = Number(v.bpm);
    if (v.key !== null) a.initialKey = v.key;
  } else {
    const i = f.getTag(t.TagTypes.Id3v2, true) as Id3v2Tag;
    if (v.bpm !== null) i.beatsPerMinute = Number(v.bpm);
    if (v.key !== null) i.initialKey = v.key;
  }
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
