#!/usr/bin/python3
"""
Audit of POP909's downbeat labels against the songs' own MIDI (development tool, not shipped).

POP909's beat and downbeat labels (beat_midi.txt) were computed by MIR algorithms (Wang et al.,
ISMIR 2020); only the tempo curves are hand-labelled. The MIDI itself says where the bars start:
in these piano arrangements the accompaniment changes chord and enters a new bass note on the
downbeat far more than on any other beat. For every song this script measures, at each offset of
0..M-1 beats from the labelled downbeats, the mean chord change (cosine distance between the
accompaniment's pitch classes in one beat and the beat before) plus half the mean number of new
bass notes (below G3) - and reports the offset where that evidence is strongest, with its ratio
to the evidence at the labelled downbeats (offset 0).

The keys (key_audio.txt) are an algorithm's estimate on the original recordings too. --keys also
finds each song's key from its own notes (duration-weighted pitch classes of all three tracks,
correlated with Temperley's profiles and the diatonic set, the relative pair ordered by the two
tonic triads - the method of src/analyzers/key.ts on notes instead of audio) into --json's rows
(notesKey); `lab.ts audited-keys` scores it and trackprobe's keys against the labels
and against each other (MIREX, src/eval/metrics.ts).

    /usr/bin/python3 scripts/audit-pop909.py ../shared/corpus-pop909 [--half A|B|all] [--json OUT]
        [--keys]

Needs python3-mido and python3-numpy (Debian; the corpus's `build` installs both).
"""
import argparse
import json
import os
import sys

import mido
import numpy as np

BASS_BELOW = 55  # G3: the accompaniment's bass register
ONSET_WINDOW_S = 0.05


def midi_notes(path, track_name=None):
    """(start s, end s, pitch) of every note of the tracks named `track_name` (all tracks when
    None), on the MIDI's own tempo map (track 0's)."""
    mf = mido.MidiFile(path)
    notes = []
    for i, track in enumerate(mf.tracks):
        if track_name is not None and track.name != track_name:
            continue
        one = mido.MidiFile(ticks_per_beat=mf.ticks_per_beat)
        one.tracks.append(mido.merge_tracks([mf.tracks[0], track]) if i else track)
        now, sounding = 0.0, {}
        for msg in one:  # iterating a MidiFile yields delta times in seconds
            now += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                sounding[msg.note] = now
            elif msg.type in ("note_off", "note_on") and msg.note in sounding:
                notes.append((sounding.pop(msg.note), now, msg.note))
    return notes


def audit(song_dir, song):
    labels = np.loadtxt(os.path.join(song_dir, "beat_midi.txt"), ndmin=2)
    beats, is_down = labels[:, 0], labels[:, 2] == 1
    n = len(beats)
    prof = np.zeros((n, 12))
    bass_onsets = np.zeros(n)
    ends = np.r_[beats[1:], beats[-1] + (beats[-1] - beats[-2] if n > 1 else 0.5)]
    for start, end, pitch in midi_notes(os.path.join(song_dir, f"{song}.mid"), "PIANO"):
        overlap = np.minimum(end, ends) - np.maximum(start, beats)
        prof[overlap > 0, pitch % 12] += overlap[overlap > 0]
        j = int(np.argmin(np.abs(beats - start)))
        if pitch < BASS_BELOW and abs(beats[j] - start) < ONSET_WINDOW_S:
            bass_onsets[j] += 1
    unit = prof / (np.linalg.norm(prof, axis=1, keepdims=True) + 1e-12)
    change = np.r_[0.0, 1 - np.sum(unit[1:] * unit[:-1], axis=1)]
    down = np.flatnonzero(is_down)
    bar = int(np.bincount(np.diff(down)).argmax()) if len(down) > 1 else 4
    evidence = []
    for k in range(bar):
        at = down + k
        at = at[at < n]
        evidence.append(float(change[at].mean() + 0.5 * bass_onsets[at].mean()) if len(at) else 0.0)
    best = int(np.argmax(evidence))
    return {"id": f"pop909-{song}", "bar": bar, "offset": best, "ratio": evidence[best] / max(evidence[0], 1e-9), "evidence": evidence}


TEMPERLEY_MAJOR = np.array([5.0, 2.0, 3.5, 2.0, 4.5, 4.0, 2.0, 4.5, 2.0, 3.5, 1.5, 4.0])
TEMPERLEY_MINOR = np.array([5.0, 2.0, 3.5, 4.5, 2.0, 4.0, 2.0, 4.5, 3.5, 2.0, 1.5, 4.0])
DIATONIC_MAJOR = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1.0])
DIATONIC_MINOR = np.array([1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0.0])
NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
THIRD_WEIGHT = 0.6  # key.ts modeThirdWeight


def notes_key(path):
    """The key of a MIDI file's notes (all tracks, duration-weighted), as key.ts decides it."""
    h = np.zeros(12)
    for start, end, pitch in midi_notes(path):
        h[pitch % 12] += end - start
    corr = lambda a, b: float(np.corrcoef(a, b)[0, 1])
    _, tonic, mode = max((corr(np.roll(p, k), h) + corr(np.roll(d, k), h), k, m) for k in range(12) for m, p, d in (("major", TEMPERLEY_MAJOR, DIATONIC_MAJOR), ("minor", TEMPERLEY_MINOR, DIATONIC_MINOR)))
    major = tonic if mode == "major" else (tonic + 3) % 12
    minor = (major + 9) % 12
    triad = lambda root, third: h[root] + h[(root + 7) % 12] + THIRD_WEIGHT * h[(root + third) % 12]
    return f"{NAMES[major]} major" if triad(major, 4) >= triad(minor, 3) else f"{NAMES[minor]} minor"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kit", help="the corpus-pop909 kit (its songs/ folder holds NNN/NNN.mid and beat_midi.txt)")
    ap.add_argument("--half", default="A", choices=["A", "B", "all"], help="A: hundreds digit even (the development half)")
    ap.add_argument("--clear", type=float, default=1.5, help="ratio above which a song counts as clearly mislabelled")
    ap.add_argument("--json", help="write every song's result here")
    ap.add_argument("--keys", action="store_true", help="also find each song's key from its notes (notesKey in --json; scored by `lab.ts audited-keys`)")
    a = ap.parse_args()
    songs_dir = os.path.join(a.kit, "songs")
    songs = sorted(s for s in os.listdir(songs_dir) if a.half == "all" or (int(s[0]) % 2 == 0) == (a.half == "A"))
    rows = [audit(os.path.join(songs_dir, s), s) for s in songs]
    if a.keys:
        for r, s in zip(rows, songs):
            r["notesKey"] = notes_key(os.path.join(songs_dir, s, f"{s}.mid"))
    off = [r for r in rows if r["offset"] != 0]
    clear = [r for r in off if r["ratio"] >= a.clear]
    print(f"{len(rows)} songs (half {a.half}): labelled downbeats where the MIDI's evidence is strongest: {len(rows) - len(off)}")
    print(f"elsewhere: {len(off)} (offset in beats: " + ", ".join(f"+{k}: {sum(r['offset'] == k for r in off)}" for k in sorted({r['offset'] for r in off})) + ")")
    print(f"  of which clearly (evidence >= {a.clear} x the labelled phase's): {len(clear)}: " + " ".join(f"{r['id']}(+{r['offset']}, {r['ratio']:.1f})" for r in clear))
    if a.json:
        with open(a.json + ".tmp", "w") as f:
            json.dump(rows, f)
        os.replace(a.json + ".tmp", a.json)


if __name__ == "__main__":
    sys.exit(main())
