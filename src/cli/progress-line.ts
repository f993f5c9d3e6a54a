/**
 * `analyze --progress`: one status line per input on standard error — the audio decoded so far,
 * then each preview (tempo, key, loudness from the audio so far). On a terminal the line is
 * rewritten in place and cleared when the file is done; elsewhere (a log) each preview is one line.
 */
import type { AnalysisPreview } from "../pipeline/analyze.js";

export class ProgressLine {
  private last = "";
  private shown = false;

  constructor(
    private readonly name: string,
    private readonly out: NodeJS.WriteStream,
  ) {}

  /** AnalyzeOptions.onProgress. */
  readonly decoded = (audioSeconds: number): void => {
    if (this.out.isTTY) this.show(`${this.name}: ${Math.round(audioSeconds)} s decoded${this.last ? ` · ${this.last}` : ""}`);
  };

  /** AnalyzeOptions.onPreview. */
  readonly preview = (p: AnalysisPreview): void => {
    this.last = `preview at ${Math.round(p.audioSeconds)} s: ${describePreview(p)}`;
    if (this.out.isTTY) this.show(`${this.name}: ${this.last}`);
    else this.out.write(`${this.name}: ${this.last}\n`);
  };

  /** Clears the line (terminal). */
  end(): void {
    if (this.shown) this.out.write("\r\x1b[2K");
    this.shown = false;
  }

  private show(text: string): void {
    const width = this.out.columns ? this.out.columns - 1 : 100;
    this.out.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.shown = true;
  }
}

/** "120.0 BPM · A minor (8A) · −9.3 LUFS", from what the preview holds. */
export function describePreview(p: AnalysisPreview): string {
  const parts: string[] = [];
  if (p.tempo !== undefined) parts.push(p.tempo ? `${p.tempo.bpm.toFixed(1)} BPM` : "no tempo yet");
  if (p.key !== undefined) parts.push(p.key ? `${p.key.name} (${p.key.camelot})` : "no key yet");
  if (p.loudness !== undefined) parts.push(p.loudness?.integrated != null ? `${p.loudness.integrated.toFixed(1).replace("-", "−")} LUFS` : "silent so far");
  return parts.join(" · ");
}
