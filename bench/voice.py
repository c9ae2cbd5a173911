"""Benchmark of the voice channel: speed, word error rate and speaker attribution, per model.

Run: PYTHONPATH=src python bench/voice.py [--models tiny.en,base] [--calls 6] [--threads 2]
     PYTHONPATH=src python bench/voice.py --throughput 6 --models tiny.en [--workers 2]

1. Real recorded English speech with reference transcripts (bench/data/voice, see its README):
   WER as recorded and through a telephone channel (300-3400 Hz, 8 kHz, µ-law).
2. Synthetic two-party calls spoken by espeak-ng (seeds 100+, never used by the tests), stereo
   and telephone: WER per party, speaker attribution of words (stereo channels; mono mix by
   diarisation), speed (real-time factor = wall / audio, CPU seconds per audio second), peak memory.
Each model runs in this process one after the other (the peer beside each figure); the load
average is printed with the figures, since the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path


HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "voice"

# Reference transcripts of the real recordings (LibriSpeech, LJ Speech, JFK): see data/voice/README.md.
REAL = {
    "2412-153948-0000.flac": "IF THE READER WILL EXCUSE ME I WILL SAY NOTHING OF MY ANTECEDENTS NOR OF THE "
                             "CIRCUMSTANCES WHICH LED ME TO LEAVE MY NATIVE COUNTRY THE NARRATIVE WOULD BE TEDIOUS "
                             "TO HIM AND PAINFUL TO MYSELF",
    "LJ002-0020.wav": "IN EIGHTEEN THIRTEEN",
    "LJ002-0035.wav": "EIGHT THE PRESS YARD",
    "jfk.flac": "AND SO MY FELLOW AMERICANS ASK NOT WHAT YOUR COUNTRY CAN DO FOR YOU ASK WHAT YOU CAN DO FOR "
                "YOUR COUNTRY",
}

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " \
        "seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def _say(n: int) -> str:
    """Numbers as words the way a reference transcript writes them (years in pairs)."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if 1100 <= n <= 1999:
        return _say(n // 100) + " " + (_say(n % 100) if n % 100 else "hundred")
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + _say(n % 100))
    return _say(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + _say(n % 1000))


def norm(text: str) -> str:
    """Lower case, digits as words, no punctuation (both sides of a WER go through this)."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"\d+", lambda m: " " + (_say(int(m.group())) if len(m.group()) <= 4 else " ".join(_ONES[int(c)] for c in m.group())) + " ", text)
    text = re.sub(r"[^a-z' ]+", " ", text).replace("'", "")
    return " ".join(text.split())


def wer(refs: list[str], hyps: list[str]) -> float:
    import jiwer

    return float(jiwer.wer([norm(r) for r in refs], [norm(h) for h in hyps]))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def real_speech(tr) -> dict:
    from earful.voice.audio import read_audio, telephone

    out = {}
    for name, layout in (("as recorded", False), ("telephone 8 kHz µ-law", True)):
        refs, hyps, audio_s, cpu = [], [], 0.0, 0.0
        for f, ref in REAL.items():
            x = read_audio(DATA / f).mono()
            if layout:
                x = telephone(x)
            t0 = time.process_time()
            heard = tr.transcribe(x)
            cpu += time.process_time() - t0
            audio_s += len(x) / 16000
            refs.append(ref)
            hyps.append(" ".join(w.word for w in heard.words))
        out[name] = (wer(refs, hyps), audio_s, cpu, sum(len(norm(r).split()) for r in refs))
    return out


def make_calls(n: int, folder: Path) -> list:
    from earful.voice.synth import render, script_for, write_call

    calls = []
    for k in range(n):
        seed = 100 + k
        s = script_for(seed, card=k % 3 == 0, hold_s=35.0 if k % 4 == 1 else 0.0, overlap_s=0.7 if k % 2 else 0.0,
                       exchanges=1 + k % 3)
        x = render(s)
        paths = {lay: write_call(folder / f"call{seed}-{lay}.wav", x, lay) for lay in ("stereo", "telephone", "mono")}
        calls.append((s, x.shape[1] / 16000, paths))
    return calls


def _speaker_truth(script) -> list[tuple[str, float, float]]:
    return [(t.speaker, t.start_s, t.end_s) for t in script.truth]


def synthetic(tr, calls, layouts=("stereo", "telephone", "mono")) -> dict:
    from earful.voice.call import hear

    res = {}
    for layout in layouts:
        refs = {"agent": [], "customer": []}
        hyps = {"agent": [], "customer": []}
        all_ref, all_hyp = [], []
        attr_ok = attr_n = 0
        known_ok = known_n = 0  # words of calls whose speakers were attributed (not left unknown)
        wall, cpu, audio_s, by = 0.0, 0.0, 0.0, []
        for script, dur, paths in calls:
            t0, c0 = time.perf_counter(), time.process_time()
            call = hear(paths[layout], tr)
            wall += time.perf_counter() - t0
            cpu += time.process_time() - c0
            audio_s += dur
            by.append(call.speakers_by)
            all_ref.append(" ".join(t.text for t in script.truth))
            all_hyp.append(" ".join(t.text for t in call.turns))
            if layout != "mono":
                for spk in ("agent", "customer"):
                    refs[spk].append(" ".join(t.text for t in script.truth if t.speaker == spk))
                    hyps[spk].append(" ".join(t.text for t in call.turns if t.speaker == spk))
            truth = _speaker_truth(script)
            for t in call.turns:  # each word's speaker against who was speaking at its midpoint
                for w in t.words:
                    mid = (w.start_s + w.end_s) / 2
                    who = {s for s, a, b in truth if a - 0.15 <= mid <= b + 0.15}
                    if len(who) == 1:
                        attr_n += 1
                        attr_ok += t.speaker in who
                        if call.speakers_by != "none":
                            known_n += 1
                            known_ok += t.speaker in who
        res[layout] = {
            "wer": wer(all_ref, all_hyp),
            "wer_agent": wer(refs["agent"], hyps["agent"]) if refs["agent"] else None,
            "wer_customer": wer(refs["customer"], hyps["customer"]) if refs["customer"] else None,
            "word_speaker_accuracy": attr_ok / max(attr_n, 1),
            "attributed_accuracy": known_ok / max(known_n, 1),
            "speakers_by": {k: by.count(k) for k in set(by)},
            "rtf": wall / audio_s, "cpu_per_s": cpu / audio_s, "audio_s": audio_s,
        }
    return res


def throughput(n: int, workers: int, model: str) -> dict:
    """The real path: `ingest_recordings` over a folder of stereo calls (two to three minutes each,
    one with a hold), worker processes, into a store. CPU counts the workers (RUSAGE_CHILDREN)."""
    from earful.store import connect
    from earful.voice.ingest import VoiceSettings, ingest_recordings
    from earful.voice.synth import render, script_for, write_call

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "calls"
        folder.mkdir()
        audio_s = 0.0
        for k in range(n):
            x = render(script_for(500 + k, exchanges=5 + k % 3, hold_s=40.0 if k % 3 == 0 else 0.0, card=k % 2 == 0))
            write_call(folder / f"call{k}.wav", x, "telephone" if k % 2 else "stereo")
            audio_s += x.shape[1] / 16000
        con = connect(Path(tmp) / "t.duckdb")
        ru0s, ru0c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        r = ingest_recordings(con, folder, settings=VoiceSettings(model=model), workers=workers)
        wall = time.perf_counter() - t0
        ru1s, ru1c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        con.close()
    cpu = sum(b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime for a, b in ((ru0s, ru1s), (ru0c, ru1c)))
    return {"calls": r.loaded, "audio_s": audio_s, "wall_s": wall, "cpu_s": cpu, "rtf": wall / audio_s,
            "cpu_per_s": cpu / audio_s, "worker_peak_mb": ru1c.ru_maxrss / 1024, "load": load()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="tiny.en,base")
    ap.add_argument("--calls", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--throughput", type=int, default=0, metavar="N",
                    help="only the ingest path: N calls of 2-3 min through worker processes")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--layouts", default="stereo,telephone,mono")
    ap.add_argument("--no-real", action="store_true", help="skip the real recordings")
    args = ap.parse_args()
    if args.throughput:
        for model in args.models.split(","):
            t = throughput(args.throughput, args.workers, model)
            print(f"{model}: {t['calls']} calls, {t['audio_s'] / 60:.1f} min of audio in {t['wall_s']:.0f} s wall "
                  f"(RTF {t['rtf']:.3f}; an hour in {t['rtf'] * 60:.1f} min), {t['cpu_s']:.0f} CPU s "
                  f"({t['cpu_per_s']:.3f} per audio s), worker peak {t['worker_peak_mb']:,.0f} MB, "
                  f"{args.workers} workers, load {t['load']}")
        return
    from earful.voice.transcribe import Transcriber

    print(f"# voice bench · {os.cpu_count()} cores · load {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        calls = make_calls(args.calls, Path(tmp))
        total = sum(d for _, d, _ in calls)
        print(f"synthetic calls: {len(calls)}, {total:.0f} s of audio, made in {time.perf_counter() - t0:.1f} s")
        rows = []
        for model in args.models.split(","):
            t0 = time.perf_counter()
            tr = Transcriber(model, cpu_threads=args.threads).fit()
            load_s = time.perf_counter() - t0
            real = {} if args.no_real else real_speech(tr)
            syn = synthetic(tr, calls, tuple(args.layouts.split(",")))
            rows.append((model, load_s, real, syn, peak_mb(), load()))
            print(f"\n## {model} (loaded in {load_s:.1f} s; peak RSS so far {peak_mb():,.0f} MB; load {load()})")
            for k, (w, a, c, n) in real.items():
                print(f"real speech, {k}: WER {w:.1%} on {n} words ({a:.1f} s; {c / a:.3f} CPU s per s)")
            for lay, r in syn.items():
                print(f"synthetic calls, {lay}: WER {r['wer']:.1%} (agent {_p(r['wer_agent'])}, customer "
                      f"{_p(r['wer_customer'])}); words to the right speaker {r['word_speaker_accuracy']:.1%} "
                      f"({r['attributed_accuracy']:.1%} in calls whose speakers were attributed); "
                      f"speakers by {r['speakers_by']}; "
                      f"RTF {r['rtf']:.3f} (wall/audio), {r['cpu_per_s']:.3f} CPU s per audio s over {r['audio_s']:.0f} s")
        if args.no_real or len(syn) < 3:
            return
        print("\n| model | real WER | real WER, telephone | calls WER stereo | calls WER telephone | "
              "words to right speaker (stereo / mono) | RTF stereo | CPU s per audio s | peak MB | load |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for model, _, real, syn, mb, ld in rows:
            w = [real[k][0] for k in real]
            print(f"| {model} | {w[0]:.1%} | {w[1]:.1%} | {syn['stereo']['wer']:.1%} | {syn['telephone']['wer']:.1%} | "
                  f"{syn['stereo']['word_speaker_accuracy']:.1%} / {syn['mono']['word_speaker_accuracy']:.1%} | "
                  f"{syn['stereo']['rtf']:.3f} | {syn['stereo']['cpu_per_s']:.3f} | {mb:,.0f} | {ld} |")


def _p(v: float | None) -> str:
    return "—" if v is None else f"{v:.1%}"


if __name__ == "__main__":
    sys.exit(main())
