"""Images turned into one row of features each, for the drift core.

`image_features` reads one file with Pillow and describes it with numbers a person can read:
size, mode and format, brightness, contrast, saturation, colourfulness, sharpness, entropy,
noise, and per-channel means, spreads and 8-bin histograms. `extract_image_features` does that
for many files, in worker processes when asked, and turns each file it cannot use into a
`FileProblem` instead of an exception. The resulting table goes to ``driftscope.compare`` like
any other table; `image_feature_kinds` says which of its columns are numerical and which are
categorical.

Scales. Brightness, contrast, saturation and the channel means and standard deviations are on
0-1 (1 is full intensity). Colourfulness, sharpness and noise are on the 0-255 grey-level scale
on which their references give their values, whatever the bit depth of the file.

Large images are analysed on a reduced copy of at most `ANALYSIS_PIXELS` pixels (JPEGs are
decoded at a reduced DCT scale, others are box-averaged by an integer factor); width, height
and file size are those of the file. Sharpness and noise depend on scale, so they compare like
with like only between images analysed at similar sizes; width and height show when that is not
the case.
"""

from __future__ import annotations

import base64
import io
import math
import multiprocessing
import warnings
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from PIL import Image

from driftscope._validate import check_int, check_length
from driftscope.data.paths import FileProblem
from driftscope.data.schema import ColumnKind
from driftscope.exceptions import FileFormatError, InputFileNotFoundError

__all__ = [
    "ANALYSIS_PIXELS",
    "IMAGE_FEATURE_COLUMNS",
    "extract_image_features",
    "image_feature_kinds",
    "image_features",
    "open_image",
    "thumbnail_data_uri",
]

FloatArray = NDArray[np.float64]

#: Images with more pixels than this are analysed on a reduced copy (about one megapixel).
ANALYSIS_PIXELS: Final = 1 << 20

# ITU-R BT.601 luma weights, the ones Pillow uses for ``convert("L")``.
_LUMA_WEIGHTS: Final = (0.299, 0.587, 0.114)
_HIST_BINS: Final = 8
_CHANNELS: Final = ("r", "g", "b")
# Modes read as one grey plane at 8 bits, and the full-scale value of the high-bit-depth modes.
_GREY_8BIT: Final = frozenset({"1", "L", "LA", "La"})
_HIGH_DEPTH_SCALE: Final = {"I": 65535.0, "I;16": 65535.0, "I;16L": 65535.0, "I;16B": 65535.0}
_HIGH_DEPTH_SCALE_F: Final = 1.0
_MAX_OUTSTANDING_PER_WORKER: Final = 4

_CATEGORICAL: Final = ("mode", "format")
_INTEGER: Final = ("width", "height", "channels", "file_size")

#: Every feature column, in the order `extract_image_features` writes them.
IMAGE_FEATURE_COLUMNS: Final[tuple[str, ...]] = (
    "width",
    "height",
    "aspect_ratio",
    "mode",
    "channels",
    "format",
    "file_size",
    "brightness",
    "contrast",
    "saturation",
    "colourfulness",
    "sharpness",
    "entropy",
    "noise",
    *(f"mean_{c}" for c in _CHANNELS),
    *(f"std_{c}" for c in _CHANNELS),
    *(f"hist_{c}_{i}" for c in _CHANNELS for i in range(_HIST_BINS)),
)


class _UnusableImage(FileFormatError):
    """A file that cannot be used as an image; ``problem`` is the `FileProblem` word for it."""

    def __init__(self, problem: str, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail


def image_feature_kinds() -> dict[str, ColumnKind]:
    """The kind of each column of `extract_image_features`' table, for a `Schema`.

    ``mode`` and ``format`` are categorical, everything else numerical.

    >>> kinds = image_feature_kinds()
    >>> str(kinds["mode"]), str(kinds["sharpness"]), len(kinds) == len(IMAGE_FEATURE_COLUMNS)
    ('categorical', 'numerical', True)
    """
    return {
        name: ColumnKind.CATEGORICAL if name in _CATEGORICAL else ColumnKind.NUMERICAL
        for name in IMAGE_FEATURE_COLUMNS
    }


def open_detail(path: Path, exc: BaseException) -> str:
    """Why ``path`` could not be read as an image, for a `FileProblem` or a message."""
    reason = str(exc) or type(exc).__name__
    return f"{path} cannot be read as an image: {reason} ({type(exc).__name__})"


@contextmanager
def open_image(path: Path) -> Iterator[Image.Image]:
    """``Image.open(path)``, refusing a possible decompression bomb instead of warning about it.

    Pillow reads the size a file declares before decoding a pixel; past its limit
    (``PIL.Image.MAX_IMAGE_PIXELS``, 89.5 million pixels) it only warns, and decodes up to twice
    that. A header of a few bytes may declare any size, so every image driftscope opens (inputs,
    thumbnails, model batches, masks) is refused past the limit: ``DecompressionBombError``,
    never a decode of gigabytes.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as image:
            # The filter above is process-wide state that another thread may undo (it is not
            # thread-safe), so the declared size is checked here too before any decoding.
            limit = Image.MAX_IMAGE_PIXELS
            width, height = image.size
            if limit is not None and width * height > limit:
                raise Image.DecompressionBombError(
                    f"Image size ({width * height} pixels) exceeds limit of {limit} pixels, "
                    "could be decompression bomb DOS attack."
                )
            yield image


def _reduction(width: int, height: int) -> int:
    """The smallest power of two that brings ``width x height`` to at most `ANALYSIS_PIXELS`.

    Powers of two are the scales a JPEG decoder offers (1/2, 1/4, 1/8), so a JPEG and a PNG of
    the same picture are analysed at the same size.
    """
    ratio = width * height / ANALYSIS_PIXELS
    return 1 if ratio <= 1 else 1 << math.ceil(math.log2(math.sqrt(ratio)))


def _working_image(image: Image.Image) -> tuple[Image.Image, float]:
    """Convert to a mode the features are computed on: ``L``, ``F`` (with its full-scale value)
    or ``RGB``/``RGBA``. Alpha is dropped later, as ``convert("RGB")`` would."""
    mode = image.mode
    if mode in _GREY_8BIT:
        return image.convert("L"), 255.0
    if mode in _HIGH_DEPTH_SCALE:
        return image.convert("F"), _HIGH_DEPTH_SCALE[mode]
    if mode == "F":
        return image, _HIGH_DEPTH_SCALE_F
    if mode == "RGB":
        return image, 255.0
    # Palette images with a transparent entry must go through RGBA (Pillow warns otherwise).
    if mode in ("RGBA", "RGBa", "P", "PA"):
        return image.convert("RGBA"), 255.0
    return image.convert("RGB"), 255.0


class _Workspace:
    """The planes the features of one image are computed in, in place, kept for the next image
    of the same size.

    Allocating and freeing a dozen image-sized temporaries per image (the natural numpy
    expressions) spends about as much time in the kernel, mapping and unmapping memory, as in
    the arithmetic; with one workspace per run (per chunk in a worker), a set of same-sized
    images allocates its planes once.
    """

    def __init__(self) -> None:
        self.shape: tuple[int, int] = (0, 0)
        self.floats: list[FloatArray] = []
        self.mask: NDArray[np.bool_] = np.empty((0, 0), dtype=np.bool_)
        self.levels: NDArray[np.intp] = np.empty((0, 0), dtype=np.intp)

    def ready(self, shape: tuple[int, int]) -> None:
        if shape != self.shape:
            # R, G, B, luma and two work planes.
            self.floats = [np.empty(shape) for _ in range(6)]
            self.mask = np.empty(shape, dtype=np.bool_)
            self.levels = np.empty(shape, dtype=np.intp)
            self.shape = shape


def _load_planes(
    path: Path, space: _Workspace
) -> tuple[dict[str, float | str], tuple[FloatArray, ...]]:
    """Open ``path`` and return its file facts and its pixels on 0-255 as float64 planes of
    ``space`` (one for grey images, R, G, B otherwise), reduced to at most about
    `ANALYSIS_PIXELS` pixels."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputFileNotFoundError(f"{path} does not exist.") from None
    except OSError as exc:
        raise _UnusableImage("unreadable", open_detail(path, exc)) from exc
    if size == 0:
        raise _UnusableImage("empty", f"{path} is empty (0 bytes).")
    try:
        with open_image(path) as image:
            width, height = image.size
            facts: dict[str, float | str] = {
                "width": width,
                "height": height,
                "aspect_ratio": width / height if height else math.nan,
                "mode": image.mode,
                "channels": len(image.getbands()),
                "format": image.format or "unknown",
                "file_size": size,
            }
            if width * height == 0:
                raise _UnusableImage("empty", f"{path} has no pixels ({width}x{height}).")
            factor = _reduction(width, height)
            if factor > 1 and image.format in ("JPEG", "MPO"):
                # The decoder scales by 1/2, 1/4 or 1/8 while decoding: far less memory.
                image.draft(None, (math.ceil(width / factor), math.ceil(height / factor)))
            image.load()
            work, full_scale = _working_image(image)
            # What the decoder's draft scale left to do is done by box averaging.
            remaining = factor // max(1, round(width / work.size[0]))
            if remaining > 1:
                work = work.reduce(remaining)
            # Pillow splits bands in C: contiguous planes, no strided copies in numpy.
            bands = work.split()[:3] if work.mode in ("RGB", "RGBA") else (work,)
            space.ready((work.size[1], work.size[0]))
            planes = tuple(space.floats[: len(bands)])
            for plane, band in zip(planes, bands, strict=True):
                np.copyto(plane, np.asarray(band))
    except (_UnusableImage, InputFileNotFoundError):
        raise
    except Exception as exc:  # Pillow raises many types for one bad file; none may stop a run.
        raise _UnusableImage("unreadable", open_detail(path, exc)) from exc
    if full_scale != 255.0:
        for plane in planes:
            plane /= full_scale / 255.0  # 65535 / 255 = 257: 16-bit levels map exactly
            np.clip(plane, 0.0, 255.0, out=plane)
    return facts, planes


def _mean_var(values: FloatArray, out: FloatArray) -> tuple[float, float]:
    """Mean and variance (ddof 0) of ``values``, computed as numpy's ``mean`` and ``var``;
    ``out`` (which may be ``values`` itself) is overwritten."""
    mean = float(values.mean())
    np.subtract(values, mean, out=out)
    np.multiply(out, out, out=out)
    return mean, float(out.mean())


def _entropy_bits(counts: NDArray[np.intp]) -> float:
    shares = counts[counts > 0] / counts.sum()
    return float(-(shares * np.log2(shares)).sum()) + 0.0


def _laplacian_variance(luma: FloatArray, work: FloatArray, spare: FloatArray) -> float:
    height, width = luma.shape
    if min(height, width) < 3:
        return math.nan
    laplacian = work[: height - 2, : width - 2]
    np.add(luma[:-2, 1:-1], luma[2:, 1:-1], out=laplacian)
    laplacian += luma[1:-1, :-2]
    laplacian += luma[1:-1, 2:]
    centre = spare[: height - 2, : width - 2]
    np.multiply(luma[1:-1, 1:-1], 4.0, out=centre)
    laplacian -= centre
    return _mean_var(laplacian, laplacian)[1]


def _immerkaer_sigma(luma: FloatArray, work: FloatArray, spare: FloatArray) -> float:
    height, width = luma.shape
    if min(height, width) < 3:
        return math.nan
    # The mask [[1,-2,1],[-2,4,-2],[1,-2,1]] is the outer product of [1,-2,1] with itself:
    # two second differences, one per axis.
    across = work[:, : width - 2]
    np.multiply(luma[:, 1:-1], -2.0, out=across)
    across += luma[:, :-2]
    across += luma[:, 2:]
    both = spare[: height - 2, : width - 2]
    np.multiply(across[1:-1], -2.0, out=both)
    both += across[:-2]
    both += across[2:]
    np.abs(both, out=both)
    interior = (width - 2) * (height - 2)
    return math.sqrt(math.pi / 2) * float(both.sum()) / (6.0 * float(interior))


def _colour_features(
    red: FloatArray,
    green: FloatArray,
    blue: FloatArray,
    work: FloatArray,
    spare: FloatArray,
    mask: NDArray[np.bool_],
) -> dict[str, float]:
    high = np.maximum(red, green, out=work)
    np.maximum(high, blue, out=high)
    spread = np.minimum(red, green, out=spare)
    np.minimum(spread, blue, out=spread)
    np.subtract(high, spread, out=spread)
    # Where max = 0 the spread is 0 too, which is the saturation there.
    np.divide(spread, high, out=spread, where=np.greater(high, 0.0, out=mask))
    saturation = float(spread.mean())
    rg_mean, rg_var = _mean_var(np.subtract(red, green, out=work), work)
    yb = np.add(red, green, out=work)
    yb *= 0.5
    yb -= blue
    yb_mean, yb_var = _mean_var(yb, yb)
    colourfulness = math.sqrt(rg_var + yb_var) + 0.3 * math.hypot(rg_mean, yb_mean)
    return {"saturation": saturation, "colourfulness": colourfulness}


def _channel_features(
    planes: Sequence[FloatArray], work: FloatArray, mask: NDArray[np.bool_]
) -> dict[str, float]:
    means: dict[str, float] = {}
    stds: dict[str, float] = {}
    hists: dict[str, float] = {}
    done: dict[int, tuple[float, float, list[float]]] = {}
    for name, plane in zip(_CHANNELS, planes, strict=True):
        if id(plane) not in done:  # a grey plane stands for all three channels
            np.rint(plane, out=work)
            # Pixels at or above each bin's lower edge; bin k holds levels 32k to 32k + 31.
            at_least = [plane.size]
            at_least += [
                int(np.count_nonzero(np.greater_equal(work, 32.0 * k, out=mask)))
                for k in range(1, _HIST_BINS)
            ]
            at_least.append(0)
            shares = [(at_least[k] - at_least[k + 1]) / plane.size for k in range(_HIST_BINS)]
            mean, var = _mean_var(plane, work)
            done[id(plane)] = (mean / 255.0, math.sqrt(var) / 255.0, shares)
        mean, std, shares = done[id(plane)]
        means[f"mean_{name}"] = mean
        stds[f"std_{name}"] = std
        hists.update({f"hist_{name}_{k}": share for k, share in enumerate(shares)})
    return {**means, **stds, **hists}


def image_features(path: Path) -> dict[str, float | str]:
    """Describe one image file by the features of `IMAGE_FEATURE_COLUMNS`.

    Pixels are read as ``convert("RGB")`` would (alpha dropped, palettes expanded); grey modes
    (``1``, ``L``, ``LA``, 16-bit ``I;16``/``I``, float ``F`` taken as 0-1) stay one plane,
    whose values stand in for R, G and B. The luma ``Y`` is ``0.299 R + 0.587 G + 0.114 B``
    (ITU-R BT.601) on 0-1.

    - ``width``, ``height``, ``aspect_ratio`` (width / height), ``file_size`` (bytes): of the
      file, before any reduction; ``mode``, ``channels``, ``format``: as Pillow reports them.
    - ``brightness``: the mean of ``Y``; ``contrast``: its standard deviation (RMS contrast).
    - ``saturation``: the mean HSV saturation ``(max - min) / max`` of R, G, B (0 where
      ``max = 0``).
    - ``colourfulness``: Hasler and Süsstrunk's ``M = sqrt(s_rg^2 + s_yb^2) + 0.3
      sqrt(m_rg^2 + m_yb^2)`` with ``rg = R - G`` and ``yb = (R + G) / 2 - B`` on 0-255 [1]_
      (0 for grey; about 33 is "moderately", 59 "quite", 109 "extremely colourful").
    - ``sharpness``: the variance of the Laplacian ``[[0,1,0],[1,-4,1],[0,1,0]] * Y`` on 0-255
      over the interior pixels [2]_ (low for blurred images).
    - ``entropy``: ``-sum p log2 p`` over the 256-bin histogram of ``round(255 Y)``, in bits
      (0 for a constant image, 8 at most).
    - ``noise``: Immerkær's fast estimate of the standard deviation of additive Gaussian noise,
      ``sqrt(pi/2) / (6 (W-2)(H-2)) * sum |Y * N|`` with ``N = [[1,-2,1],[-2,4,-2],[1,-2,1]]``,
      on 0-255 [3]_.
    - ``mean_r``, ``std_r``, ... : mean and standard deviation of each channel on 0-1;
      ``hist_r_0`` ... ``hist_r_7``: the share of pixels whose 8-bit value falls in each of the
      8 bins 0-31, 32-63, ..., 224-255.

    Sharpness and noise are NaN for images less than 3 pixels wide or high.

    Parameters
    ----------
    path
        An image file Pillow can open.

    Raises
    ------
    InputFileNotFoundError
        ``path`` does not exist.
    FileFormatError
        The file is empty, not an image, corrupt or truncated, or has more pixels than
        Pillow's decompression-bomb limit (``PIL.Image.MAX_IMAGE_PIXELS``).

    References
    ----------
    .. [1] D. Hasler and S. Süsstrunk, "Measuring colourfulness in natural images", Proc. SPIE
       5007, Human Vision and Electronic Imaging VIII, 2003.
    .. [2] J. L. Pech-Pacheco et al., "Diatom autofocusing in brightfield microscopy: a
       comparative study", ICPR 2000 (variance of the Laplacian as a focus measure).
    .. [3] J. Immerkær, "Fast noise variance estimation", Computer Vision and Image
       Understanding 64(2), 1996.

    Examples
    --------
    >>> import tempfile
    >>> from PIL import Image
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "grey.png"
    ...     Image.new("L", (40, 20), 51).save(path)
    ...     features = image_features(path)
    >>> features["aspect_ratio"], features["brightness"], features["saturation"]
    (2.0, 0.2, 0.0)
    """
    return _features(Path(path), _Workspace())


def _features(path: Path, space: _Workspace) -> dict[str, float | str]:
    facts, planes = _load_planes(path, space)
    work, spare, mask = space.floats[4], space.floats[5], space.mask
    if len(planes) == 1:
        luma = planes[0]
        planes = (luma, luma, luma)
        colour = {"saturation": 0.0, "colourfulness": 0.0}
    else:
        red, green, blue = planes
        luma = np.multiply(red, _LUMA_WEIGHTS[0], out=space.floats[3])
        luma += np.multiply(green, _LUMA_WEIGHTS[1], out=work)
        luma += np.multiply(blue, _LUMA_WEIGHTS[2], out=work)
        colour = _colour_features(red, green, blue, work, spare, mask)
    brightness, luma_var = _mean_var(luma, work)
    levels = space.levels
    np.copyto(levels, np.clip(np.rint(luma, out=work), 0.0, 255.0, out=work), casting="unsafe")
    features: dict[str, float | str] = {
        **facts,
        "brightness": brightness / 255.0,
        "contrast": math.sqrt(luma_var) / 255.0,
        **colour,
        "sharpness": _laplacian_variance(luma, work, spare),
        "entropy": _entropy_bits(np.bincount(levels.ravel(), minlength=256)),
        "noise": _immerkaer_sigma(luma, work, spare),
        **_channel_features(planes, work, mask),
    }
    return {name: features[name] for name in IMAGE_FEATURE_COLUMNS}


def _features_or_problem(
    row: int, path: Path, space: _Workspace
) -> dict[str, float | str] | FileProblem:
    try:
        return {"row": row, **_features(path, space)}
    except _UnusableImage as exc:
        return FileProblem(row, str(path), exc.problem, exc.detail)
    except InputFileNotFoundError as exc:
        return FileProblem(row, str(path), "missing", str(exc))


_ChunkResult = list[dict[str, float | str] | FileProblem]


def _features_chunk(chunk: Sequence[tuple[int, Path]]) -> _ChunkResult:
    space = _Workspace()
    return [_features_or_problem(row, path, space) for row, path in chunk]


def _init_worker(max_image_pixels: int | None) -> None:
    # Worker processes start afresh, so the parent's decompression-bomb limit is passed on.
    Image.MAX_IMAGE_PIXELS = max_image_pixels


def _worker_context() -> BaseContext:
    """Where worker processes come from: a fork server where the platform has one, else spawn.

    Neither forks the caller, so both are safe in a process that runs threads. The fork server
    imports this module once (and stays up for the life of the caller); each worker is then a
    fork of it, ready in milliseconds instead of the second or two a spawned worker spends
    importing driftscope.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


def _chunk_result(chunk: Sequence[tuple[int, Path]], future: Future[_ChunkResult]) -> _ChunkResult:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        row, path = chunk[0]
        raise FileFormatError(
            "A worker process stopped abruptly while reading the images from row "
            f"{row} ({path}) on: an image decoder crashed, the machine ran out of memory, or "
            "the calling script failed when the worker imported it (code that starts workers "
            'must run under `if __name__ == "__main__":`). Run with workers=1 to find out.'
        ) from exc


def _chunks(
    rows: Sequence[int], paths: Sequence[Path], size: int
) -> Iterator[list[tuple[int, Path]]]:
    for start in range(0, len(paths), size):
        stop = start + size
        yield list(zip(rows[start:stop], (Path(p) for p in paths[start:stop]), strict=True))


def _outcomes(
    rows: Sequence[int], paths: Sequence[Path], workers: int, chunksize: int
) -> Iterator[dict[str, float | str] | FileProblem]:
    """Each file's features or problem, in input order."""
    n_chunks = math.ceil(len(paths) / chunksize)
    if workers == 1 or n_chunks <= 1:
        space = _Workspace()
        for row, path in zip(rows, paths, strict=True):
            yield _features_or_problem(row, Path(path), space)
        return
    workers = min(workers, n_chunks)
    # At most a few chunks per worker are in flight, so memory stays flat however many files.
    with ProcessPoolExecutor(
        workers,
        mp_context=_worker_context(),
        initializer=_init_worker,
        initargs=(Image.MAX_IMAGE_PIXELS,),
    ) as pool:
        pending: deque[tuple[list[tuple[int, Path]], Future[_ChunkResult]]] = deque()
        for chunk in _chunks(rows, paths, chunksize):
            pending.append((chunk, pool.submit(_features_chunk, chunk)))
            if len(pending) >= workers * _MAX_OUTSTANDING_PER_WORKER:
                yield from _chunk_result(*pending.popleft())
        while pending:
            yield from _chunk_result(*pending.popleft())


class _TableBuilder:
    """Collects one row of features per image into a preallocated float matrix (8 bytes a
    number, instead of a dict of Python floats per image) and two lists of strings."""

    _numeric: Final = tuple(c for c in IMAGE_FEATURE_COLUMNS if c not in _CATEGORICAL)

    def __init__(self, capacity: int) -> None:
        self.values = np.empty((capacity, len(self._numeric)))
        self.strings: dict[str, list[str]] = {name: [] for name in _CATEGORICAL}
        self.rows: list[int] = []

    def add(self, features: dict[str, float | str]) -> None:
        self.values[len(self.rows)] = [features[name] for name in self._numeric]
        for name, values in self.strings.items():
            values.append(str(features[name]))
        self.rows.append(int(features["row"]))

    def frame(self) -> pd.DataFrame:
        values = self.values[: len(self.rows)]
        numeric = dict(zip(self._numeric, values.T, strict=True))
        columns: dict[str, object] = {}
        for name in IMAGE_FEATURE_COLUMNS:
            if name in self.strings:
                columns[name] = pd.array(self.strings[name], dtype="str")
            elif name in _INTEGER:
                columns[name] = numeric[name].astype(np.int64)
            else:
                columns[name] = numeric[name]
        index = pd.Index(self.rows, dtype=np.int64, name="row")
        return pd.DataFrame(columns, index=index)


def extract_image_features(
    paths: Sequence[Path],
    rows: Sequence[int],
    *,
    workers: int = 1,
    chunksize: int = 16,
) -> tuple[pd.DataFrame, list[FileProblem]]:
    """Features of many image files: one table row per readable image, one problem per other.

    Files are read one at a time (by each worker), so memory does not grow with their number.
    With ``workers > 1`` they are read in that many worker processes (started by a fork server
    where the platform has one, else spawned), in chunks of ``chunksize`` files; the result is
    the same as with one worker. As with any ``multiprocessing`` code, a script that calls this
    with ``workers > 1`` must do so under ``if __name__ == "__main__":``. Empty files become
    ``FileProblem(row, path, "empty", ...)``; missing ones ``"missing"``; files Pillow cannot
    open or decode (not an image, corrupt, truncated, over the decompression-bomb limit)
    ``"unreadable"``, with Pillow's reason in the detail.

    Parameters
    ----------
    paths
        The files, for instance ``resolve_paths(...).paths``.
    rows
        The row of the user's table each file came from (``resolve_paths(...).rows``); they
        become the index of the table (named ``row``) and the ``row`` of each problem.
    workers
        The number of processes; 1 reads in this process.
    chunksize
        How many files one worker reads per task.

    Returns
    -------
    tuple[pd.DataFrame, list[FileProblem]]
        The table (index ``row``, columns `IMAGE_FEATURE_COLUMNS`, rows in input order) and
        the problems, in input order.

    Examples
    --------
    >>> import tempfile
    >>> from PIL import Image
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     good, bad = Path(folder) / "a.png", Path(folder) / "b.png"
    ...     Image.new("L", (8, 8), 255).save(good)
    ...     _ = bad.write_bytes(b"not a png")
    ...     table, problems = extract_image_features([good, bad], [0, 1])
    >>> table[["width", "brightness"]].to_dict("index")
    {0: {'width': 8, 'brightness': 1.0}}
    >>> [(p.row, p.problem) for p in problems]
    [(1, 'unreadable')]
    """
    owner = "extract_image_features"
    check_int(owner, "workers", workers, low=1)
    check_int(owner, "chunksize", chunksize, low=1)
    check_length(owner, "rows", rows, len(paths), "'paths'")
    table = _TableBuilder(len(paths))
    problems: list[FileProblem] = []
    for outcome in _outcomes(rows, paths, workers, chunksize):
        if isinstance(outcome, FileProblem):
            problems.append(outcome)
        else:
            table.add(outcome)
    return table.frame(), problems


def thumbnail_data_uri(path: Path, size: int = 96) -> str:
    """A PNG thumbnail of at most ``size x size`` pixels (aspect ratio kept) as a ``data:`` URI,
    for showing example images in a self-contained HTML report.

    Raises
    ------
    InputFileNotFoundError
        ``path`` does not exist.
    FileFormatError
        The file cannot be read as an image.

    Examples
    --------
    >>> import tempfile
    >>> from PIL import Image
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "wide.png"
    ...     Image.new("RGB", (400, 100), (200, 30, 30)).save(path)
    ...     uri = thumbnail_data_uri(path, size=64)
    >>> uri.startswith("data:image/png;base64,")
    True
    """
    check_int("thumbnail_data_uri", "size", size, low=1)
    path = Path(path)
    if not path.is_file():
        raise InputFileNotFoundError(f"{path} does not exist.")
    buffer = io.BytesIO()
    try:
        with open_image(path) as image:
            image.draft(None, (size, size))
            keep_alpha = "A" in image.getbands() or "transparency" in image.info
            thumb = image.convert("RGBA" if keep_alpha else "RGB")
            thumb.thumbnail((size, size))
            thumb.save(buffer, format="PNG", optimize=True)
    except Exception as exc:
        raise FileFormatError(open_detail(path, exc)) from exc
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
