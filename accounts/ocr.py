"""Reading the pages of a kinship proof with an OCR engine that runs offline.

RapidOCR ships its Chinese detection and recognition models inside its wheel (ONNX, run by
onnxruntime on the CPU), so nothing is downloaded. A page is read once: its text, the text
boxes (in the pixels of the page image) and the engine's version are stored with it.
"""

from __future__ import annotations

import functools
import io
from importlib.metadata import version

from PIL import Image

ENGINE_NAME = f"rapidocr-onnxruntime {version('rapidocr-onnxruntime')}"


@functools.cache
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    # one thread: the worker reads one page per core, and a page is ~1 s on one core
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)


def read_image(content: bytes) -> list[dict]:
    """Return the text lines of an image: ``[{"text", "box", "score"}]``, top to bottom."""
    import numpy as np

    image = Image.open(io.BytesIO(content)).convert("RGB")
    result, _elapsed = _engine()(np.asarray(image)[:, :, ::-1])  # the engine takes BGR
    lines = []
    for box, text, score in result or []:
        lines.append(
            {
                "text": text,
                "box": [[round(float(x)), round(float(y))] for x, y in box],
                "score": round(float(score), 3),
            }
        )
    lines.sort(key=lambda line: (line["box"][0][1], line["box"][0][0]))
    return lines
