"""Turn whatever a caller hands us (JPEG/PNG bytes, raw RGB bytes, numpy arrays) into an RGB uint8 frame.

Handles grey, RGBA, 16-bit and float frames, and downscales huge frames so that the longest side is at most
`max_side`. Anything else raises `InputError` with one clear line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from greenroom.errors import InputError

if TYPE_CHECKING:
    import numpy as np

#: Refuse frames beyond this many pixels outright (a 16K frame is 132 Mpx); anything smaller is downscaled.
MAX_INPUT_PIXELS = 16384 * 16384


def decode_image_bytes(data: bytes) -> np.ndarray:
    """Decode JPEG/PNG/WebP bytes to RGB uint8 (grey and 16-bit images are converted)."""
    import cv2
    import numpy as np

    if not data:
        raise InputError("Empty image data.")
    buf = np.frombuffer(data, dtype=np.uint8)
    img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise InputError("Could not decode the frame: not a JPEG, PNG or WebP image.")
    if img.ndim == 3 and img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2RGBA)
    elif img.ndim == 3 and img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    return to_rgb(img)


def raw_rgb_to_array(data: bytes, width: int, height: int, channels: int = 3) -> np.ndarray:
    """Interpret raw interleaved 8-bit pixels (RGB, RGBA or grey) of the given size."""
    import numpy as np

    if width <= 0 or height <= 0:
        raise InputError(f"Invalid raw frame size {width}x{height}.")
    if channels not in (1, 3, 4):
        raise InputError(f"Raw frames must have 1, 3 or 4 channels, not {channels}.")
    expected = width * height * channels
    if len(data) != expected:
        raise InputError(
            f"Raw frame has {len(data)} bytes; {width}x{height}x{channels} needs {expected}.",
        )
    arr = np.frombuffer(data, dtype=np.uint8).reshape(height, width, channels)
    return to_rgb(arr if channels > 1 else arr[:, :, 0])


def to_rgb(arr: np.ndarray) -> np.ndarray:
    """Normalise an array to contiguous RGB uint8, shape (H, W, 3).

    Grey (H, W) or (H, W, 1) is replicated; RGBA drops alpha; uint16 is scaled by 1/257; float in [0, 1]
    is scaled by 255. Other dtypes, shapes or empty frames raise `InputError`.
    """
    import cv2
    import numpy as np

    if not isinstance(arr, np.ndarray):
        raise InputError(f"A frame must be a numpy array or image bytes, not {type(arr).__name__}.")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise InputError(f"Unsupported frame shape {arr.shape}: expected (H, W), (H, W, 3) or (H, W, 4).")
    if arr.shape[0] < 8 or arr.shape[1] < 8:
        raise InputError(f"Frame too small ({arr.shape[1]}x{arr.shape[0]}): at least 8x8 pixels.")
    if arr.shape[0] * arr.shape[1] > MAX_INPUT_PIXELS:
        raise InputError(f"Frame too large ({arr.shape[1]}x{arr.shape[0]}).")
    if arr.dtype == np.uint8:
        pass
    elif arr.dtype == np.uint16:
        arr = (arr // 257).astype(np.uint8)
    elif arr.dtype in (np.float32, np.float64):
        if not np.isfinite(arr).all():
            raise InputError("Float frame contains NaN or infinite values.")
        hi = float(arr.max()) if arr.size else 0.0
        if hi > 1.0 + 1e-6 or float(arr.min()) < -1e-6:
            raise InputError("Float frames must hold values in [0, 1].")
        arr = np.clip(arr * 255.0 + 0.5, 0, 255).astype(np.uint8)
    else:
        raise InputError(f"Unsupported frame dtype {arr.dtype}: use uint8, uint16 or float in [0, 1].")
    if arr.ndim == 2:
        arr = cv2.cvtColor(arr, cv2.COLOR_GRAY2RGB)
    elif arr.shape[2] == 4:
        arr = cv2.cvtColor(np.ascontiguousarray(arr), cv2.COLOR_RGBA2RGB)
    return np.ascontiguousarray(arr)


def fit_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The (width, height) after shrinking so that the longest side is at most `max_side` (even numbers)."""
    longest = max(width, height)
    if longest <= max_side:
        return width, height
    scale = max_side / longest
    return max(2, int(round(width * scale / 2)) * 2), max(2, int(round(height * scale / 2)) * 2)


def downscale(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """Shrink a frame (INTER_AREA) so that its longest side is at most `max_side`; smaller frames pass as is."""
    import cv2

    h, w = rgb.shape[:2]
    nw, nh = fit_size(w, h, max_side)
    if (nw, nh) == (w, h):
        return rgb
    return cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
