"""Imported by the cleaning workers' fork server, before it forks them, when a run uses a learned model
(the shipped one, or the folder in $EDUALLIANCE_SHARED_MODEL_DIR).

It loads the model once (into ``models.artifact``'s per-process cache, where
``load_classifier`` finds it) and warms it up (jieba's dictionary is built on
first use), so that every worker forked afterwards shares these pages
copy-on-write instead of loading a copy of its own: one model per machine,
not one per core, and none in the storing process. ``gc.freeze()`` keeps the
collector from writing to (and so copying) the shared objects' pages in the
workers.

If loading fails here, nothing is shared: each worker loads the model itself
and reports the error the usual way.
"""

from __future__ import annotations

import gc


def _load() -> None:
    try:
        import os
        from pathlib import Path

        from edualliance.models.artifact import load_cached, load_shipped

        from .pool import SHARED_MODEL_DIR_ENV

        folder = os.environ.get(SHARED_MODEL_DIR_ENV)
        model = load_cached(Path(folder)) if folder else load_shipped()
        if model is not None:
            model.classify([("教联体", "城乡学校共同体结对帮扶，集团化办学。")])
    except Exception:  # noqa: BLE001 - the fork server must start whatever happens (see above)
        pass


_load()
gc.freeze()
