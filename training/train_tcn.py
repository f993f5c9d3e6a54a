#!/usr/bin/python3
"""Trains trackprobe's learned beat and downbeat activation and exports it to ONNX.

A temporal convolutional network over the band spectrogram that training/export.ts writes (the
product's own front end), after M. Davies & S. Böck, "Temporal convolutional networks for musical
audio beat tracking" (EUSIPCO 2019) and S. Böck & M. Davies, "Deconstruct, analyse, reconstruct:
how to improve tempo, beat, and downbeat estimation" (ISMIR 2020): a small frequency front end,
then residual blocks of non-causal dilated convolutions (dilations 1, 2, 4, … 1024 frames: a
receptive field of 8,189 frames, about 95 s at 86 frames/s, either side), and two sigmoid outputs per frame — beat and
downbeat. Targets are widened to ±1 frame with weight 0.5, as those papers do.

    /usr/bin/python3 training/train_tcn.py --data /tmp/train-data --out models/beat-tcn.onnx \
        [--minutes 20] [--seed 1]

Needs Debian's python3-torch and python3-onnx (CPU is enough). Deterministic for a seed on one
machine kind (torch.use_deterministic_algorithms; one thread). Prints the validation loss and the
beat F-measure (±70 ms, peak-picked) of a held-out tenth of the training tracks as it goes.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load(data_dir):
    tracks = []
    for name in sorted(os.listdir(data_dir)):
        if not name.endswith(".json"):
            continue
        meta = json.load(open(os.path.join(data_dir, name)))
        x = np.fromfile(os.path.join(data_dir, name[:-5] + ".f32"), dtype=np.float32)
        x = x.reshape(meta["frames"], meta["bandCount"])
        fps = meta["framesPerSecond"]
        y = np.zeros((2, meta["frames"]), dtype=np.float32)
        for row, times in ((0, meta["beats"]), (1, meta["downbeats"])):
            for t in times:
                i = int(round(t * fps))
                for d, w in ((-1, 0.5), (1, 0.5), (0, 1.0)):
                    if 0 <= i + d < meta["frames"]:
                        y[row, i + d] = max(y[row, i + d], w)
        tracks.append((meta["id"], x, y, fps, meta["beats"]))
    return tracks


class TCN(nn.Module):
    def __init__(self, bands, channels=24, kernel=5, dilations=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024), dropout=0.1):
        super().__init__()
        self.front = nn.Sequential(
            nn.Conv1d(bands, channels, 3, padding=1), nn.ELU(), nn.Dropout(dropout),
        )
        self.blocks = nn.ModuleList()
        for d in dilations:
            self.blocks.append(nn.ModuleDict({
                "a": nn.Conv1d(channels, channels, kernel, padding=d * (kernel - 1) // 2, dilation=d),
                "b": nn.Conv1d(channels, channels, kernel, padding=d * (kernel - 1) // 2, dilation=d),
                "res": nn.Conv1d(channels, channels, 1),
            }))
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Conv1d(channels, 2, 1)

    def forward(self, x):  # x: [batch, bands, frames] -> logits [batch, 2, frames]
        h = self.front(x)
        for blk in self.blocks:
            z = F.elu(blk["a"](h))
            z = self.dropout(F.elu(blk["b"](z)))
            h = blk["res"](h) + z
        return self.out(self.dropout(F.elu(h)))


def peaks(act, threshold=0.3, min_gap=5):
    """Frames of local maxima above threshold, at least min_gap frames apart (greedy, strongest first)."""
    cand = [i for i in range(1, len(act) - 1) if act[i] >= threshold and act[i] >= act[i - 1] and act[i] >= act[i + 1]]
    cand.sort(key=lambda i: -act[i])
    taken = []
    for i in cand:
        if all(abs(i - j) >= min_gap for j in taken):
            taken.append(i)
    return sorted(taken)


def f_measure(ref, est, window=0.07):
    if not ref or not est:
        return 0.0
    used = set()
    hit = 0
    for r in ref:
        best = None
        for k, e in enumerate(est):
            if k not in used and abs(e - r) <= window and (best is None or abs(e - r) < abs(est[best] - r)):
                best = k
        if best is not None:
            used.add(best)
            hit += 1
    p, rec = hit / len(est), hit / len(ref)
    return 0.0 if hit == 0 else 2 * p * rec / (p + rec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=20)
    ap.add_argument("--steps", type=int, default=0,
                    help="train exactly this many steps (ignores --minutes): a reproduction of a recorded run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--excerpt", type=int, default=1024, help="frames per training excerpt")
    ap.add_argument("--batch", type=int, default=8)
    a = ap.parse_args()

    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    tracks = load(a.data)
    if not tracks:
        sys.exit(f"no tracks in {a.data}")
    order = list(range(len(tracks)))
    random.shuffle(order)
    n_val = max(1, len(tracks) // 10)
    val = [tracks[i] for i in order[:n_val]]
    train = [tracks[i] for i in order[n_val:]]
    bands = tracks[0][1].shape[1]
    # per-band standardisation, fitted on the training tracks and baked into the exported model
    allx = np.concatenate([t[1] for t in train], axis=0)
    mean = allx.mean(axis=0).astype(np.float32)
    std = (allx.std(axis=0) + 1e-3).astype(np.float32)
    del allx
    print(f"{len(train)} training tracks, {len(val)} validation, {bands} bands, "
          f"{sum(t[1].shape[0] for t in train)} training frames", flush=True)

    model = TCN(bands)
    print(f"{sum(p.numel() for p in model.parameters())} parameters", flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    weights = [t[1].shape[0] for t in train]
    mean_t = torch.from_numpy(mean)[None, :, None]
    std_t = torch.from_numpy(std)[None, :, None]

    # beat and downbeat frames of each training track (the targets are rebuilt from them for
    # time-stretched excerpts)
    marks = {id(t): (np.flatnonzero(t[2][0] == 1.0), np.flatnonzero(t[2][1] == 1.0)) for t in train}

    def excerpt(track):
        """One training excerpt, augmented (Böck & Davies 2020 train with such variations):
        time-stretch (×0.85–1.15, the grid stretched with it), then, on the linear magnitudes the
        log compression came from, gain (−12…+6 dB), a random smooth EQ (±6 dB), reverberation
        (an exponential tail, T60 0.3–1.5 s) and coloured noise (10–35 dB below the excerpt's
        level); then a pitch shift of up to ±3 bands (semitones)."""
        _, x, _, fps, _ = track
        beats_f, downs_f = marks[id(track)]
        stretch = random.uniform(0.85, 1.15) if random.random() < 0.5 else 1.0
        span = int(round(a.excerpt * stretch))
        n = x.shape[0]
        s = random.randint(0, max(0, n - span))
        src = x[s:s + span]
        m = min(a.excerpt, int(src.shape[0] / stretch))
        pos = np.arange(m) * stretch
        i0 = np.minimum(np.floor(pos).astype(int), src.shape[0] - 1)
        i1 = np.minimum(i0 + 1, src.shape[0] - 1)
        frac = (pos - i0)[:, None].astype(np.float32)
        xe = np.zeros((a.excerpt, bands), np.float32)
        xe[:m] = src[i0] * (1 - frac) + src[i1] * frac
        ye = np.zeros((2, a.excerpt), np.float32)
        for row, frames in ((0, beats_f), (1, downs_f)):
            for f in frames[(frames >= s) & (frames < s + src.shape[0])]:
                j = int(round((f - s) / stretch))
                for d, w in ((-1, 0.5), (1, 0.5), (0, 1.0)):
                    if 0 <= j + d < m:
                        ye[row, j + d] = max(ye[row, j + d], w)
        lin = np.expm1(xe[:m])
        t = np.linspace(-1, 1, bands, dtype=np.float32)
        eq_db = random.uniform(-6, 6) * t + random.uniform(-6, 6) * (t * t - 1 / 3)
        lin *= np.float32(10 ** (random.uniform(-12, 6) / 20)) * (10 ** (eq_db / 20)).astype(np.float32)
        if random.random() < 0.3 and m > 8:
            t60 = random.uniform(0.3, 1.5)
            r = 10 ** (-3 / (t60 * fps))
            k = min(m, int(3 * t60 * fps))
            tail = (random.uniform(0.1, 0.6) * r ** np.arange(1, k + 1)).astype(np.float32)
            size = 1 << int(math.ceil(math.log2(m + k)))
            wet = np.fft.irfft(np.fft.rfft(lin, size, axis=0) * np.fft.rfft(np.concatenate([[0], tail]), size)[:, None], size, axis=0)[:m]
            lin = lin + np.maximum(wet, 0).astype(np.float32)
        if random.random() < 0.3:
            level = float(lin.mean()) * 10 ** (-random.uniform(10, 35) / 20)
            colour = (10 ** (random.uniform(-6, 6) * t / 20)).astype(np.float32)
            lin = lin + (level * colour * np.random.exponential(1.0, lin.shape)).astype(np.float32)
        xe[:m] = np.log1p(lin)
        if random.random() < 0.3:
            k = random.randint(-3, 3)
            if k > 0:
                xe[:, k:] = xe[:, :-k].copy()
            elif k < 0:
                xe[:, :k] = xe[:, -k:].copy()
        return xe, ye

    def batch():
        xs, ys = [], []
        for _ in range(a.batch):
            xe, ye = excerpt(random.choices(train, weights=weights)[0])
            xs.append(xe.T)
            ys.append(ye)
        x = (torch.from_numpy(np.stack(xs)) - mean_t) / std_t
        return x, torch.from_numpy(np.stack(ys))

    def evaluate():
        model.eval()
        fs = []
        with torch.no_grad():
            for _, x, y, fps, beats in val:
                xt = (torch.from_numpy(x.T[None]) - mean_t) / std_t
                act = torch.sigmoid(model(xt))[0, 0].numpy()
                est = [i / fps for i in peaks(act)]
                fs.append(f_measure(beats, est))
        model.train()
        return float(np.mean(fs))

    pos_weight = torch.tensor([4.0, 12.0])[None, :, None]
    t0 = time.time()
    step = 0
    while (step < a.steps) if a.steps else (time.time() - t0 < a.minutes * 60):
        x, y = batch()
        logits = model(x)
        loss = F.binary_cross_entropy_with_logits(logits, y, pos_weight=pos_weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 200 == 0:
            print(f"step {step} ({(time.time() - t0) / 60:.1f} min) loss {loss.item():.4f} val beat F {evaluate():.3f}", flush=True)

    final_f = evaluate()
    print(f"final: {step} steps, validation beat F {final_f:.3f}", flush=True)

    class Exported(nn.Module):
        """Standardisation and sigmoids inside the model: input raw bands [1, bands, frames]."""
        def __init__(self):
            super().__init__()
            self.net = model
            self.register_buffer("mean", mean_t)
            self.register_buffer("std", std_t)

        def forward(self, x):
            return torch.sigmoid(self.net((x - self.mean) / self.std))

    model.eval()
    exp = Exported().eval()
    dummy = torch.zeros(1, bands, 2000)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.onnx.export(exp, dummy, a.out, input_names=["bands"], output_names=["activation"],
                      dynamic_axes={"bands": {2: "frames"}, "activation": {2: "frames"}}, opset_version=13)
    json.dump({"bands": bands, "steps": step, "minutes": a.minutes, "seed": a.seed,
               "validation_beat_f": final_f, "train_tracks": len(train), "validation_tracks": len(val),
               "parameters": sum(p.numel() for p in model.parameters())},
              open(a.out + ".json", "w"), indent=2)
    print(f"wrote {a.out}", flush=True)


if __name__ == "__main__":
    main()
