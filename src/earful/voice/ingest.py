"""Recordings into the store: ``earful ingest DIR --format audio [--metadata calls.csv]``.

Each recording becomes one voice interaction in its own import (one transaction with its
turns, timed words, redacted audio and speech analytics), so a run stopped at any point keeps
every recording finished before it and a second run does only the rest (a recording already
imported with the same options is skipped by its SHA-256). Recordings are heard in parallel
worker processes; the store is written by this process only. An unreadable, silent or
speechless recording is quarantined with the reason.

The metadata CSV links recordings to the call's facts: a column ``file`` (the file name, or its
path relative to DIR) and any canonical fields (``source_id``, ``queue``, ``agent_id``,
``customer_id``, ``offered_at``, ``answered_at``, ``ended_at``, ``wait_s``, ``disposition`` …),
by name or through a mapping file (``--mapping``, as for CSV imports). Without metadata a
recording's ``source_id`` is its file name without the extension.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path

import duckdb

from earful.errors import InputError
from earful.ingest.generic import check_columns, stage_records
from earful.ingest.load import ImportBatch, ImportResult
from earful.ingest.mapping import CANONICAL_FIELDS, FieldSpec, Mapping, identity_mapping, load_mapping
from earful.ingest.readers import turns_table
from earful.voice.audio import AUDIO_SUFFIXES
from earful.voice.call import Call, hear
from earful.voice.models import model_path
from earful.voice.transcribe import Transcriber

Progress = Callable[[int, int, str], None]  # (bytes done, bytes in all, what just finished)


@dataclass
class VoiceSettings:
    """How recordings are heard (part of each import's options: changing one re-imports)."""

    model: str | None = None
    language: str = "en"
    agent_channel: int = 0
    beam_size: int = 1
    dead_air_min_s: float = 5.0
    hold_min_s: float = 30.0

    def options(self) -> dict:
        from earful.voice.models import default_model

        return {"model": str(self.model or default_model()), "language": self.language,
                "agent_channel": self.agent_channel, "beam_size": self.beam_size,
                "dead_air_min_s": self.dead_air_min_s, "hold_min_s": self.hold_min_s}


@dataclass
class VoiceImportResult:
    """What one run over a folder of recordings did."""

    files: int = 0
    loaded: int = 0
    quarantined: int = 0
    skipped: int = 0
    audio_s: float = 0.0
    cpu_s: float = 0.0
    imports: list[ImportResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("files", "loaded", "quarantined", "skipped", "audio_s", "cpu_s", "notes")}
        d["imports"] = [r.as_dict() for r in self.imports]
        return d


def list_recordings(path: str | Path) -> list[Path]:
    """The recordings at ``path``: the file itself, or every audio file under the folder, sorted."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"{path} not found")
    found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
    if not found:
        raise InputError(f"no recordings in {path}", hint="looked for " + ", ".join(AUDIO_SUFFIXES))
    return found


class Metadata:
    """The metadata CSV's rows by recording, and the mapping that reads them."""

    def __init__(self, csv_path: Path | None, mapping: Mapping | None, file_column: str = "file") -> None:
        self.rows: dict[str, dict[str, str]] = {}
        self.file_column = file_column
        if csv_path is None:
            self.mapping = mapping or Mapping(fields={})
            return
        try:
            with open(csv_path, newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                columns = list(reader.fieldnames or [])
                rows = list(reader)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise InputError(f"cannot read the metadata file {csv_path}: {exc}") from None
        if file_column not in columns:
            raise InputError(f"the metadata file {csv_path.name} has no `{file_column}` column naming each recording",
                             hint=f"its columns: {', '.join(columns[:12])}")
        self.mapping = mapping or identity_mapping(columns)
        check_columns(self.mapping, columns, csv_path)
        for row in rows:
            key = (row.get(file_column) or "").strip()
            if key:
                self.rows[key] = row

    def row_for(self, path: Path, root: Path) -> dict[str, str] | None:
        rel = str(path.relative_to(root)) if root.is_dir() and path.is_relative_to(root) else path.name
        return self.rows.get(rel) or self.rows.get(path.name) or self.rows.get(path.stem)


# ---------------------------------------------------------------- workers

_WORKER: dict[str, object] = {}


def _transcriber(settings: VoiceSettings, cpu_threads: int) -> Transcriber:
    key = json.dumps([settings.options(), cpu_threads], sort_keys=True)
    t = _WORKER.get(key)
    if t is None:
        t = Transcriber(settings.model, language=settings.language, beam_size=settings.beam_size,
                        cpu_threads=cpu_threads).fit()
        _WORKER.clear()
        _WORKER[key] = t
    return t  # type: ignore[return-value]


def _hear_one(path: str, settings: VoiceSettings, cpu_threads: int) -> Call | str:
    """A worker's job: the heard call, or the reason the recording cannot be used."""
    try:
        return hear(path, _transcriber(settings, cpu_threads), agent_channel=settings.agent_channel,
                    dead_air_min_s=settings.dead_air_min_s, hold_min_s=settings.hold_min_s)
    except InputError as exc:  # the recording's fault: quarantined; a configuration error stops the run
        return str(exc)


def _heard(paths: list[Path], settings: VoiceSettings, workers: int) -> Iterator[tuple[Path, Call | str]]:
    """Each recording with what was heard, in the order they finish."""
    cores = os.cpu_count() or 1
    if workers <= 1 or len(paths) == 1:
        threads = max(1, min(cores, 4))
        for p in paths:
            yield p, _hear_one(str(p), settings, threads)
        return
    threads = max(1, cores // workers)
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(_hear_one, str(p), settings, threads): p for p in paths}
        try:
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        except BaseException:
            for f in futures:
                f.cancel()
            raise


# ---------------------------------------------------------------- the store

def _record(call: Call | str, meta: dict[str, str] | None, path: Path) -> dict:
    rec: dict = dict(meta or {})
    rec["__file"] = path.name
    rec["__source_id"] = path.stem
    rec["__channel"] = "voice"
    if isinstance(call, Call):
        rec["__talk_s"] = round(call.duration_s - call.metrics.hold_s, 2)
        rec["__hold_s"] = call.metrics.hold_s
        rec["__language"] = call.language
        if call.speakers_by == "none":
            rec["__text"] = " ".join(t.text for t in call.turns)
    return rec


def _mapping_for(base: Mapping, call: Call | str, file_column: str) -> Mapping:
    """The user's mapping, with what the recording itself tells filled in where it says nothing."""
    fields = dict(base.fields)
    fallback = {"source_id": "__source_id", "channel": "__channel", "talk_s": "__talk_s", "hold_s": "__hold_s",
                "language": "__language", "text": "__text"}
    for name, col in fallback.items():
        if name not in fields and (isinstance(call, Call) or name in ("source_id", "channel")):
            fields[name] = FieldSpec(column=col)
    meta_cols = list(dict.fromkeys([*base.metadata_columns, "__file"]))
    checks = list(base.checks)
    if isinstance(call, str):
        checks.append(("true", f"recording: {call}"))
    return replace(base, fields=fields, metadata_columns=meta_cols, checks=checks)


def _write_voice(con: duckdb.DuckDBPyConnection, iid: str, import_id: int | None, call: Call, sha256: str) -> None:
    con.execute(
        "INSERT INTO voice_recordings (interaction_id, import_id, file, sha256, container, sample_rate_hz, channels, "
        "duration_s, speakers_by, model, language, language_probability, language_ok, transcribe_cpu_s) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [iid, import_id, call.file, sha256, call.container, call.sample_rate_hz, call.channels, round(call.duration_s, 3),
         call.speakers_by, call.model, call.language, call.language_probability, call.language_ok, round(call.cpu_s, 3)])
    turns, words = [], []
    for seq, t in enumerate(call.turns, start=1):
        turns.append((iid, seq, t.speaker, round(t.start_s, 3), round(t.end_s, 3), t.text, t.redacted_text))
        words += [(iid, seq, n, round(w.start_s, 3), round(w.end_s, 3), w.word, round(w.probability, 3), kind)
                  for n, (w, kind) in enumerate(zip(t.words, t.pii), start=1)]
    if turns:
        con.executemany("INSERT INTO voice_turns VALUES (?, ?, ?, ?, ?, ?, ?)", turns)
    if words:
        con.executemany("INSERT INTO voice_words VALUES (?, ?, ?, ?, ?, ?, ?, ?)", words)
    con.execute("INSERT INTO voice_audio VALUES (?, 'audio/ogg', ?, ?, ?)",
                [iid, call.redacted_audio, len(call.redacted_stretches),
                 round(sum(b - a for a, b in call.redacted_stretches), 2)])
    m = call.metrics.as_dict()
    m["hold_segments"] = json.dumps(m["hold_segments"])
    cols = ", ".join(m)
    con.execute(f"INSERT INTO speech_metrics (interaction_id, {cols}) VALUES (?, {', '.join('?' * len(m))})",
                [iid, *m.values()])


def _store(con: duckdb.DuckDBPyConnection, path: Path, call: Call | str, meta: Metadata, root: Path,
           options: dict, source: str) -> ImportResult:
    """One recording in one transaction: its interaction (or quarantine row) and its voice rows."""
    batch = ImportBatch(con, path, "audio", options, source_tz=meta.mapping.timezone)
    m = _mapping_for(meta.mapping, call, meta.file_column)
    row = meta.row_for(path, root)
    if row is None and meta.rows and isinstance(call, Call):
        call = f"{path.name}: not listed in the metadata file"
        m = _mapping_for(meta.mapping, call, meta.file_column)
    rec = _record(call, row, path)
    sid = m.fields["source_id"]
    if sid.column and not (rec.get(sid.column) or "").strip():  # not in the metadata: the file's name
        rec[sid.column] = path.stem
    keys_needed = m.columns_used()
    rec = {k: rec.get(k) for k in keys_needed}
    speakers_known = isinstance(call, Call) and call.speakers_by != "none"

    def write_voice(r: ImportResult) -> None:
        if isinstance(call, Call) and r.loaded:
            iid = con.execute("SELECT id FROM interactions WHERE import_id = ?", [r.import_id]).fetchall()[0][0]
            _write_voice(con, iid, r.import_id, call, batch.sha256)

    batch.before_commit.append(lambda b: write_voice(b.result))
    batch.begin()
    try:
        stage_records(batch, [(1, rec, json.dumps(rec, default=str))], mapping=m, source=source)
        if speakers_known:
            table, _ = turns_table([(1, [{"speaker": t.speaker, "text": t.text} for t in call.turns])])
            con.register("_voice_turns", table)
            try:
                batch.stage_turns("_voice_turns")
            finally:
                con.unregister("_voice_turns")
        return batch.finish()
    except BaseException:
        batch.rollback()
        raise


def ingest_recordings(con: duckdb.DuckDBPyConnection, path: str | Path, *, metadata: str | Path | None = None,
                      mapping: str | Path | Mapping | None = None, source: str | None = None,
                      settings: VoiceSettings | None = None, workers: int | None = None,
                      file_column: str = "file", progress: Progress | None = None) -> VoiceImportResult:
    """Hear and load every recording at ``path`` (a file or a folder); see the module's docstring."""
    root = Path(path)
    files = list_recordings(root)
    settings = settings or VoiceSettings()
    m = load_mapping(mapping) if isinstance(mapping, (str, Path)) else mapping
    if m is not None and metadata is None:
        raise InputError("--mapping describes the metadata CSV: pass --metadata FILE as well")
    meta = Metadata(Path(metadata) if metadata else None, m, file_column)
    src = source or meta.mapping.source or (root.name if root.is_dir() else root.parent.name) or "recordings"
    out = VoiceImportResult(files=len(files))
    total = sum(p.stat().st_size for p in files)
    done = 0
    todo: list[Path] = []
    options = {p: {"source": src, "metadata": _digest(meta.mapping, meta.row_for(p, root)), **settings.options()}
               for p in files}
    for p in files:
        previous = ImportBatch(con, p, "audio", options[p]).previous_import()
        if previous is None:
            todo.append(p)
        else:
            out.skipped += 1
            done += p.stat().st_size
    if out.skipped:
        out.notes.append(f"{out.skipped} recording(s) were imported before with the same options: skipped")
    if progress:
        progress(done, total, "")
    if todo:
        model_path(settings.model)  # a wrong model is one error now, not one per recording
    n_workers = workers if workers is not None else default_workers(len(todo))
    for p, call in _heard(todo, settings, n_workers):
        r = _store(con, p, call, meta, root, options[p], src)
        out.imports.append(r)
        out.loaded += r.loaded
        out.quarantined += r.quarantined
        out.skipped += r.skipped
        if isinstance(call, Call):
            out.audio_s += call.duration_s
            out.cpu_s += call.cpu_s
        done += p.stat().st_size
        if progress:
            progress(done, total, p.name)
    return out


def default_workers(n_files: int) -> int:
    """One worker per core (each with one thread: more throughput than threads within a file)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, n_files))


def _digest(mapping: Mapping, row: dict[str, str] | None) -> str | None:
    """What the metadata says about one recording (a changed row re-imports only that recording)."""
    import hashlib

    if row is None and not mapping.fields:
        return None
    return hashlib.sha256(repr((mapping, sorted((row or {}).items()))).encode()).hexdigest()[:16]


__all__ = ["VoiceImportResult", "VoiceSettings", "ingest_recordings", "list_recordings", "CANONICAL_FIELDS"]
