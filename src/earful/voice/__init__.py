"""The voice channel: call recordings to redacted, timed transcripts and speech analytics.

- ``earful.voice.audio``: decode any recording (WAV/MP3/FLAC/Ogg, 8 kHz telephony, stereo) to
  16 kHz channels; encode the redacted copy; a telephone channel for measurements.
- ``earful.voice.transcribe``: faster-whisper with Silero VAD, word times, language check.
- ``earful.voice.call``: one recording heard end to end (speakers, analytics, redaction).
- ``earful.voice.diarise``: two speakers on a mono recording, or unknown.
- ``earful.voice.analytics`` / ``earful.voice.metrics``: speech analytics per call and per group.
- ``earful.voice.redact``: personal data beeped out using word times.
- ``earful.voice.ingest``: ``earful ingest DIR --format audio`` into the store.
- ``earful.voice.reader``: what the dashboard reads (no speech model needed).

Importing this package loads nothing heavy: the speech model is needed only to hear new
recordings (the ``voice`` extra).
"""
