/**
 * The web page of `trackprobe serve`, in real Chromium (Debian's `chromium`, driven by
 * playwright-core; no browser download): pick a file, see the preview and the result (tempo, key
 * on the Camelot wheel, loudness, the waveform with beats, downbeats, sections and cues, the tempo curve), download
 * the JSON; an upload that is not audio shows the server's reason; the result fits a phone-sized
 * screen. One screenshot per state, written to $TRACKPROBE_SCREENSHOTS (default: a temporary
 * folder) and checked to be a PNG. Truth: the demo track (120 BPM, A minor, Camelot 8A).
 * Skipped, saying why, where /usr/bin/chromium is not installed (`.ci/run` installs it).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { renderDemoTrack } from "../src/demo-track.js";
import { createService, type Service } from "../src/service/server.js";
import { tempDir } from "./signals/files.js";

const CHROMIUM = process.env.TRACKPROBE_CHROMIUM ?? "/usr/bin/chromium";
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`;

describe("web page in Chromium", { skip }, () => {
  const { dir, cleanup } = tempDir();
  const shots = process.env.TRACKPROBE_SCREENSHOTS ?? join(dir, "screenshots");
  const song = join(dir, "demo song.wav");
  const text = join(dir, "notes.mp3");
  let service: Service;
  let url = "";
  let browser: Browser;

  before(async () => {
    mkdirSync(shots, { recursive: true });
    writeFileSync(song, encodeWavFloat32(renderDemoTrack(70, 22050, 120), 22050));
    writeFileSync(text, "these are my notes, not a song\n".repeat(40));
    service = await createService({ jobs: 1 });
    url = await service.app.listen({ host: "127.0.0.1", port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });
  after(async () => {
    await browser?.close();
    await service?.close();
    cleanup();
  });

  const shot = async (page: Page, name: string) => {
    const path = join(shots, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    const png = readFileSync(path);
    assert.ok(png.length > 2000 && png.subarray(1, 4).toString() === "PNG", `${name}.png is a screenshot`);
  };

  /** Whether a canvas has any drawn (non-transparent) pixel. */
  const drawn = (page: Page, selector: string) =>
    page.$eval(selector, (c) => {
      const canvas = c as HTMLCanvasElement;
      const d = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    });

  it("empty → preview → result, with the beat grid, the tempo curve and the key on the wheel; the JSON downloads", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
    try {
      // the page reads the job once its event stream says "final": holding that request keeps
      // the page in its preview state for the screenshot
      let release = () => {};
      const held = new Promise<void>((r) => (release = r));
      await page.route(/\/v1\/analyses\/[0-9a-f-]+$/, async (route) => {
        await held;
        await route.continue();
      });
      await page.goto(url);
      await shot(page, "1-empty");
      await page.setInputFiles("#file", song);
      await page.locator("#preview-box.shown").waitFor({ timeout: 30_000 });
      assert.match(await page.textContent("#preview") ?? "", /After \d+ s: 120\.\d BPM · A minor \(8A\) · [−-]?\d+\.\d LUFS/);
      assert.equal(await page.locator("#result.shown").count(), 0);
      await shot(page, "2-preview");
      release();
      await page.locator("#result.shown").waitFor({ timeout: 30_000 });
      assert.match(await page.textContent("#status") ?? "", /^Done: demo song\.wav \(70\.0 s\)/);
      assert.match(await page.textContent("#c-tempo") ?? "", /^(119\.\d|120\.\d)$/);
      assert.equal(await page.textContent("#c-key"), "A minor");
      assert.equal(await page.textContent("#c-meter"), "4/bar");
      assert.match(await page.textContent("#c-lufs") ?? "", /^[−-]?\d+\.\d LUFS$/);
      // the wheel's main key segment is filled with the accent colour and labelled 8A
      const highlighted = await page.$$eval("#wheel path", (ps) => ps.filter((p) => p.getAttribute("fill") === "#3b5bdb").length);
      assert.equal(highlighted, 1);
      assert.equal(await page.$eval("#wheel > text:last-of-type", (t) => t.textContent), "8A");
      await page.waitForFunction(() => (document.getElementById("wave") as HTMLCanvasElement).width > 0);
      assert.ok((await drawn(page, "#wave")) > 1000, "waveform and beats drawn");
      assert.ok((await drawn(page, "#curve")) > 100, "tempo curve drawn");
      // the sections listed under the waveform (drawn as bands on it), with the cues
      assert.match(await page.textContent("#sections") ?? "", /^(intro|verse|build|drop|breakdown|outro) 0:00\.0 \(\d+ bars\) A.* — cues: First downbeat 0:0/);
      await shot(page, "3-result");
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
      assert.equal(download.suggestedFilename(), "demo song.trackprobe.json");
      const saved = JSON.parse(readFileSync((await download.path()) as string, "utf8"));
      assert.equal(saved.key.name, "A minor");
      assert.equal(saved.beats.length > 100, true);
    } finally {
      await page.close();
    }
  });

  it("a file that is not audio shows the server's reason", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    try {
      await page.goto(url);
      await page.setInputFiles("#file", text);
      await page.locator("#status.error").waitFor({ timeout: 15_000 });
      assert.match(await page.textContent("#status") ?? "", /text, not audio/);
      await shot(page, "4-not-audio");
    } finally {
      await page.close();
    }
  });

  it("fits a phone-sized screen (390 × 844): no sideways scrolling, the cards and the wheel stacked", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    try {
      await page.goto(url);
      await page.setInputFiles("#file", song);
      await page.locator("#result.shown").waitFor({ timeout: 30_000 });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `page is ${width} px wide`);
      const wheel = await page.locator("#wheel").boundingBox();
      assert.ok(wheel && wheel.x >= 0 && wheel.x + wheel.width <= 390, "the wheel is on screen");
      await shot(page, "5-phone");
    } finally {
      await page.close();
    }
  });
});
