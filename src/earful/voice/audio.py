"""Reading and writing call audio: any container PyAV (FFmpeg) reads, as 16 kHz float channels.

Recorders write WAV, MP3, FLAC or Ogg, often 8 kHz telephony (µ-law or A-law in WAV), mono or
stereo with the agent on one channel and the customer on the other. ``read_audio`` returns each
channel resampled to 16 kHz (what the speech model hears) and what the file was; ``encode_opus``
writes the redacted copy the dashboard plays; ``telephone`` passes audio through an 8 kHz µ-law
telephone channel (for measuring accuracy on telephone speech).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from earful.errors import InputError

SAMPLE_RATE = 16_000
AUDIO_SUFFIXES = (".wav", ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a")


@dataclass
class Audio:
    """A decoded recording: ``channels`` is (n_channels, n_samples) float32 at 16 kHz."""

    channels: np.ndarray
    container: str
    codec: str
    sample_rate_hz: int  # the file's own rate
    n_channels: int

    @property
    def duration_s(self) -> float:
        return self.channels.shape[1] / SAMPLE_RATE

    def mono(self) -> np.ndarray:
        """All channels mixed down (what a person hears on one earpiece)."""
        return self.channels.mean(axis=0).astype(np.float32) if self.n_channels > 1 else self.channels[0]


def read_audio(path: str | Path) -> Audio:
    """Decode a recording; anything unreadable is an ``InputError`` naming what went wrong."""
    import av

    path = Path(path)
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            streams = container.streams.audio
            if not streams:
                raise InputError(f"{path.name}: no audio stream in the file")
            stream = streams[0]
            n_ch = stream.codec_context.channels or 1
            rate = stream.codec_context.sample_rate or 0
            layout = "stereo" if n_ch >= 2 else "mono"
            resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
            chunks: list[np.ndarray] = []
            for frame in container.decode(stream):
                frame.pts = None
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray())
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray())
            fmt = (container.format.name or "").split(",")[0]
            codec = stream.codec_context.name or ""
    except InputError:
        raise
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise InputError(f"{path.name}: not a readable recording ({_first_line(exc)})") from None
    if not chunks:
        raise InputError(f"{path.name}: the recording has no samples")
    data = np.concatenate(chunks, axis=1).astype(np.float32, copy=False)
    return Audio(channels=data, container=fmt, codec=codec, sample_rate_hz=int(rate), n_channels=min(n_ch, 2))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return re.sub(r"^\[Errno -?\d+\]\s*|:\s*'[^']*'$", "", line)


def rms_dbfs(x: np.ndarray) -> float:
    """Root-mean-square level in dB relative to full scale (-inf for digital silence)."""
    if x.size == 0:
        return float("-inf")
    r = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    return 20 * np.log10(r) if r > 0 else float("-inf")


def encode_opus(x: np.ndarray, bitrate: int = 24_000) -> bytes:
    """Mono 16 kHz float samples as an Ogg/Opus file (about 3 kB a second of call)."""
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=SAMPLE_RATE, layout="mono")
        stream.bit_rate = bitrate
        frame_len = 960  # 60 ms
        samples = np.clip(x, -1, 1).astype(np.float32)
        pts = 0
        for i in range(0, len(samples), frame_len * 50):
            block = samples[i:i + frame_len * 50]
            frame = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = pts
            pts += len(block)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def write_wav(path: str | Path, channels: np.ndarray, rate: int = SAMPLE_RATE, codec: str = "pcm_s16le") -> None:
    """Write (n_channels, n_samples) float samples as WAV (``codec="pcm_mulaw"`` for telephony)."""
    import av

    channels = np.atleast_2d(np.asarray(channels, dtype=np.float32))
    layout = "stereo" if channels.shape[0] == 2 else "mono"
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(np.clip(channels, -1, 1), format="fltp", layout=layout)
        frame.sample_rate = rate
        frame.pts = 0
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Band-limited polyphase resampling of one channel (scipy)."""
    from math import gcd

    from scipy.signal import resample_poly

    if rate_in == rate_out:
        return x.astype(np.float32, copy=False)
    g = gcd(rate_in, rate_out)
    return resample_poly(x, rate_out // g, rate_in // g).astype(np.float32)


def mulaw(x: np.ndarray, mu: int = 255) -> np.ndarray:
    """ITU-T G.711 µ-law companding to 8 bits and back (the quantisation a telephone line adds)."""
    x = np.clip(x, -1, 1)
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    q = np.round((y + 1) / 2 * 255) / 255 * 2 - 1
    return (np.sign(q) * np.expm1(np.abs(q) * np.log1p(mu)) / mu).astype(np.float32)


def telephone(x: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """A telephone channel: band-pass 300-3400 Hz, 8 kHz sampling, µ-law; returned at ``rate``."""
    from scipy.signal import butter, sosfiltfilt

    sos = butter(4, [300, 3400], btype="bandpass", fs=rate, output="sos")
    narrow = sosfiltfilt(sos, x).astype(np.float32)
    return resample(mulaw(resample(narrow, rate, 8000)), 8000, rate)
