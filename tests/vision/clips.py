"""Test clips with known ground truth, built from real face photos shipped with scikit-image.

`astronaut()` is a frontal, smiling face (Eileen Collins); `lfw_face(i)` is a face from scikit-image's
LFW subset (Labeled Faces in the Wild), upscaled from 25x25; index 75 is turned about 30 degrees to the
image's left. Frames are written straight to WebM/MP4 with PyAV.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import av
import cv2
import numpy as np
from skimage import data

W, H = 640, 480


def astronaut() -> np.ndarray:
    return data.astronaut()


def on_canvas(
    img: np.ndarray, *, scale: float = 1.0, dx: int = 0, dy: int = 0, size: tuple[int, int] = (W, H)
) -> np.ndarray:
    """Place a photo (scaled to fit the canvas height, times `scale`) centred on a grey canvas, shifted."""
    w, h = size
    canvas = np.full((h, w, 3), 90, np.uint8)
    s = h / img.shape[0] * scale
    im = cv2.resize(img, (max(2, int(img.shape[1] * s)), max(2, int(img.shape[0] * s))), interpolation=cv2.INTER_AREA)
    ih, iw = im.shape[:2]
    x0, y0 = (w - iw) // 2 + dx, (h - ih) // 2 + dy
    xs0, ys0 = max(0, -x0), max(0, -y0)
    xd0, yd0 = max(0, x0), max(0, y0)
    cw, ch = min(iw - xs0, w - xd0), min(ih - ys0, h - yd0)
    if cw > 0 and ch > 0:
        canvas[yd0 : yd0 + ch, xd0 : xd0 + cw] = im[ys0 : ys0 + ch, xs0 : xs0 + cw]
    return canvas


def rotate(img: np.ndarray, deg: float) -> np.ndarray:
    """Rotate counter-clockwise on screen by `deg` (OpenCV convention), keeping the size."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
    return cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE)


def mirror(img: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(img[:, ::-1])


def no_face(img: np.ndarray) -> np.ndarray:
    """The astronaut with her face cropped out: the lower part of the photo (suit, flag, helmet)."""
    return np.ascontiguousarray(img[300:, :])


def darken(img: np.ndarray, factor: float) -> np.ndarray:
    return (img.astype(np.float32) * factor).astype(np.uint8)


def lfw_face(i: int, size: int = 240) -> np.ndarray:
    """An LFW-subset face, upscaled and padded into a larger grey photo (RGB)."""
    f = (data.lfw_subset()[i] * 255).astype(np.uint8)
    f = cv2.resize(f, (size, size), interpolation=cv2.INTER_CUBIC)
    c = np.full((size * 2, size * 2), 128, np.uint8)
    c[size // 2 : size // 2 + size, size // 2 : size // 2 + size] = f
    return cv2.cvtColor(c, cv2.COLOR_GRAY2RGB)


def side_by_side(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.concatenate([a, b], axis=1)


def write_video(path: Path, frames: Sequence[np.ndarray], fps: int = 10, codec: str | None = None) -> Path:
    """Write RGB frames (all the same size) to WebM (VP8/VP9) or MP4 (mpeg4) with PyAV."""
    codec = codec or ("libvpx" if path.suffix == ".webm" else "mpeg4")
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        st = out.add_stream(codec, rate=fps)
        st.width, st.height, st.pix_fmt = w, h, "yuv420p"
        if codec in ("libvpx", "libvpx-vp9"):
            st.options = {"deadline": "realtime", "cpu-used": "8", "crf": "10", "b": "2M"}
        else:
            st.bit_rate = 4_000_000
        for f in frames:
            for pkt in st.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(pkt)
        for pkt in st.encode():
            out.mux(pkt)
    return path


R_EYE = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246]
L_EYE = [362, 382, 381, 380, 374, 373, 390, 249, 263, 466, 388, 387, 386, 385, 384, 398]
R_LOWER = [33, 7, 163, 144, 145, 153, 154, 155, 133]
L_LOWER = [362, 382, 381, 380, 374, 373, 390, 249, 263]


def close_eyes(img: np.ndarray, mesh: np.ndarray) -> np.ndarray:
    """Paint the eyes shut: eyelid-coloured skin over each eye (located by a face mesh in pixels) and a
    dark lash line along the lower lid. The mesh then reads an eye aspect ratio about 70% lower."""
    out = img.copy()
    for eye, lower in ((R_EYE, R_LOWER), (L_EYE, L_LOWER)):
        pts = mesh[eye, :2].astype(np.int32)
        x, y, w, h = cv2.boundingRect(pts)
        skin = img[y - h - 4 : y - h, x : x + w].reshape(-1, 3).mean(0)
        hull = cv2.convexHull(np.vstack([pts, pts + [0, -3], pts + [0, 3]]))
        cv2.fillConvexPoly(out, hull, tuple(int(c) for c in skin))
        cv2.polylines(out, [mesh[lower, :2].astype(np.int32)], False, (40, 30, 30), 2)
    return out
