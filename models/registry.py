"""Trained models as versioned artifacts in the user's data directory.

``edualliance train`` writes each model to ``<models root>/<version>/``
(artifact, model card): never into the installed package. The root is
``$EDUALLIANCE_MODELS``, else ``models/`` in the user data directory (the
same platformdirs folder as the default database). The model shipped in the
package (``models/artifacts``) is always available, read-only, under its
own version.

A model is named on the command line by ``--model PATH|VERSION``: a folder
(or its ``classifier.skops``), a version listed by ``edualliance models
list``, ``shipped``, or ``keywords`` for the rule baseline. Without
``--model``, commands use the version chosen with ``edualliance models use``
(stored in the database) when it is installed, else the newest trained
model, else the shipped one.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

MODELS_ENV = "EDUALLIANCE_MODELS"
#: File names of a model folder (as in models/artifact.py; repeated here so that resolving a
#: model, e.g. in a crawl's storing process, does not import scikit-learn and scipy).
ARTIFACT_NAME = "classifier.skops"
CARD_JSON = "model_card.json"
SHIPPED = "shipped"
KEYWORDS = ("keywords", "keywords-1")


class ModelNotFoundError(LookupError):
    """A --model that names no installed model; the message lists what is installed."""


@dataclass(frozen=True)
class ModelEntry:
    version: str
    path: Path  # folder with classifier.skops and model_card.json
    origin: str  # "trained" (user data directory) or "shipped" (the package)
    created_at: str
    card: dict


def models_root() -> Path:
    """$EDUALLIANCE_MODELS, else models/ in the user data directory."""
    if os.environ.get(MODELS_ENV):
        return Path(os.environ[MODELS_ENV])
    from platformdirs import user_data_dir

    return Path(user_data_dir("edualliance")) / "models"


def _entry(directory: Path, origin: str) -> ModelEntry | None:
    if not (directory / ARTIFACT_NAME).is_file():
        return None
    try:
        card = json.loads((directory / CARD_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        card = {}
    version = card.get("version") or directory.name
    return ModelEntry(version, directory, origin, str(card.get("created_at", "")), card)


def shipped_dir() -> Path:
    """The installed package's artifact folder (models/artifacts)."""
    from importlib import resources

    return Path(str(resources.files("edualliance.models").joinpath("artifacts")))


def shipped_entry() -> ModelEntry | None:
    return _entry(shipped_dir(), SHIPPED)


def trained_entries(root: Path | None = None) -> list[ModelEntry]:
    """Models trained into the models root, oldest first."""
    root = root or models_root()
    if not root.is_dir():
        return []
    found = [_entry(path, "trained") for path in root.iterdir() if path.is_dir() and not path.name.startswith(".")]
    return sorted((e for e in found if e is not None), key=lambda e: (e.created_at, e.version))


def list_models(root: Path | None = None) -> list[ModelEntry]:
    """The shipped model (if installed) and every trained one."""
    shipped = shipped_entry()
    return ([shipped] if shipped else []) + trained_entries(root)


def find(spec: str, root: Path | None = None) -> ModelEntry:
    """The model a --model value names: a folder or artifact file, a version, or 'shipped'."""
    candidate = Path(spec).expanduser()
    if candidate.is_file() and candidate.suffix == ".skops":
        candidate = candidate.parent
    if candidate.is_dir():
        entry = _entry(candidate, "path")
        if entry is None:
            raise ModelNotFoundError(f"{spec}: no classifier.skops in this folder")
        return entry
    if spec == SHIPPED:
        entry = shipped_entry()
        if entry is None:
            raise ModelNotFoundError("no model is shipped with this installation: run `edualliance train`")
        return entry
    for entry in reversed(list_models(root)):
        if entry.version == spec:
            return entry
    installed = ", ".join(e.version for e in list_models(root)) or "none"
    raise ModelNotFoundError(
        f"no model {spec!r}: give a folder, a version (installed: {installed}), 'shipped' or 'keywords'")


def default_entry(selected: str | None = None, root: Path | None = None) -> ModelEntry | None:
    """What commands use without --model: the selected version if installed, else newest trained, else shipped."""
    if selected:
        try:
            return find(selected, root)
        except ModelNotFoundError:
            pass
    trained = trained_entries(root)
    return trained[-1] if trained else shipped_entry()


def install(staging: Path, version: str, root: Path | None = None) -> Path:
    """Move a freshly trained model folder to <root>/<version>; an older copy of the same version is replaced."""
    root = root or models_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / version
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)
    return target


def staging_dir(root: Path | None = None) -> Path:
    """A fresh folder inside the models root to train into (moved into place by :func:`install`)."""
    import tempfile

    root = root or models_root()
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".training-", dir=root))
