"""Image features: each one against a formula, numpy, scipy or Pillow; every bad file becomes a
`FileProblem` naming the file; parallel extraction equals serial extraction."""

from __future__ import annotations

import base64
import colorsys
import io
import math
import re
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageFilter
from scipy import ndimage, signal
from scipy import stats as sps
from sklearn.datasets import load_digits

from driftscope import ColumnSpec, Schema, compare
from driftscope.data.paths import FileProblem
from driftscope.exceptions import FileFormatError, InputFileNotFoundError, ParameterError
from driftscope.modalities import images
from driftscope.modalities.images import (
    IMAGE_FEATURE_COLUMNS,
    extract_image_features,
    image_feature_kinds,
    image_features,
    thumbnail_data_uri,
)

HIST_COLUMNS = [f"hist_{c}_{i}" for c in "rgb" for i in range(8)]


def save(array: np.ndarray, path: Path, mode: str | None = None, **params: object) -> Path:
    image = Image.fromarray(array)
    if mode is not None:
        image = image.convert(mode)
    image.save(path, **params)
    return path


def load(path: Path) -> Image.Image:
    with Image.open(path) as image:
        image.load()
    return image


def smooth_grey(height: int = 256, width: int = 256) -> np.ndarray:
    """A plane ``f(x) + g(y)``: Immerkær's mask (two second differences) maps it to exactly 0."""
    y, x = np.mgrid[0:height, 0:width]
    return 64.0 + 0.25 * x + 0.2 * y + 10 * np.sin(x / 40) + 8 * np.cos(y / 30)


def random_rgb(seed: int, shape: tuple[int, int] = (60, 80)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (*shape, 3), dtype=np.uint8)


def luma255(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


# --- single features ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 51, 200, 255])
def test_constant_grey_image(tmp_path: Path, value: int) -> None:
    path = save(np.full((30, 50), value, dtype=np.uint8), tmp_path / "c.png")
    f = image_features(path)
    assert (f["width"], f["height"], f["mode"], f["channels"], f["format"]) == (
        50,
        30,
        "L",
        1,
        "PNG",
    )
    assert f["aspect_ratio"] == pytest.approx(50 / 30)
    assert f["file_size"] == path.stat().st_size
    assert f["brightness"] == pytest.approx(value / 255, abs=1e-15)
    assert f["contrast"] == 0.0
    assert f["entropy"] == 0.0
    assert f["sharpness"] == 0.0
    assert f["noise"] == 0.0
    assert f["saturation"] == 0.0
    assert f["colourfulness"] == 0.0
    for c in "rgb":
        assert f[f"mean_{c}"] == pytest.approx(value / 255, abs=1e-15)
        assert f[f"std_{c}"] == 0.0
        shares = [f[f"hist_{c}_{i}"] for i in range(8)]
        assert shares == [1.0 if i == value // 32 else 0.0 for i in range(8)]


def test_constant_colour_image(tmp_path: Path) -> None:
    rgb = (200, 100, 50)
    path = tmp_path / "c.png"
    Image.new("RGB", (16, 12), rgb).save(path)
    f = image_features(path)
    r, g, b = (v / 255 for v in rgb)
    assert f["brightness"] == pytest.approx(0.299 * r + 0.587 * g + 0.114 * b, abs=1e-12)
    assert f["contrast"] == pytest.approx(0.0, abs=1e-12)
    assert f["entropy"] == 0.0
    assert f["saturation"] == pytest.approx((200 - 50) / 200)
    # No spread, so only the mean term of Hasler & Süsstrunk's M is left.
    assert f["colourfulness"] == pytest.approx(0.3 * math.hypot(200 - 100, 150 - 50))
    assert (f["mean_r"], f["mean_g"], f["mean_b"]) == pytest.approx((r, g, b))
    assert f["hist_r_6"] == f["hist_g_3"] == f["hist_b_1"] == 1.0


def test_saturated_versus_grey(tmp_path: Path) -> None:
    red = tmp_path / "red.png"
    grey = tmp_path / "grey.png"
    Image.new("RGB", (20, 20), (255, 0, 0)).save(red)
    Image.new("RGB", (20, 20), (128, 128, 128)).save(grey)
    fr, fg = image_features(red), image_features(grey)
    assert fr["saturation"] == 1.0
    assert fr["colourfulness"] == pytest.approx(0.3 * math.hypot(255, 127.5))
    assert fg["saturation"] == 0.0
    assert fg["colourfulness"] == 0.0


def test_saturation_matches_colorsys(tmp_path: Path) -> None:
    rgb = random_rgb(1, (12, 10))
    rgb[0, 0] = 0  # black: saturation 0 by definition
    f = image_features(save(rgb, tmp_path / "r.png"))
    expected = np.mean([colorsys.rgb_to_hsv(*(px / 255))[1] for px in rgb.reshape(-1, 3)])
    assert f["saturation"] == pytest.approx(expected, rel=1e-12)


def test_colourfulness_matches_numpy_transcription(tmp_path: Path) -> None:
    rgb = random_rgb(2)
    f = image_features(save(rgb, tmp_path / "r.png"))
    r, g, b = (rgb[:, :, i].astype(np.float64) for i in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    expected = np.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * np.sqrt(
        rg.mean() ** 2 + yb.mean() ** 2
    )
    assert f["colourfulness"] == pytest.approx(expected, rel=1e-12)
    assert f["colourfulness"] > 50  # uniform random colours are very colourful


def test_luma_and_channel_statistics_match_numpy(tmp_path: Path) -> None:
    rgb = random_rgb(3)
    f = image_features(save(rgb, tmp_path / "r.png"))
    luma = luma255(rgb) / 255
    assert f["brightness"] == pytest.approx(luma.mean(), rel=1e-12)
    assert f["contrast"] == pytest.approx(luma.std(), rel=1e-12)
    for i, c in enumerate("rgb"):
        channel = rgb[:, :, i]
        assert f[f"mean_{c}"] == pytest.approx(channel.mean() / 255, rel=1e-12)
        assert f[f"std_{c}"] == pytest.approx(channel.std() / 255, rel=1e-12)
        counts, _ = np.histogram(channel, bins=8, range=(0, 256))
        assert [f[f"hist_{c}_{k}"] for k in range(8)] == pytest.approx(counts / channel.size)
    entropy = sps.entropy(np.bincount(np.rint(luma * 255).astype(int).ravel()), base=2)
    assert f["entropy"] == pytest.approx(entropy, rel=1e-12)


def test_entropy_of_uniform_noise_is_near_8_bits(tmp_path: Path) -> None:
    noise = np.random.default_rng(4).integers(0, 256, (512, 512), dtype=np.uint8)
    f = image_features(save(noise, tmp_path / "n.png"))
    assert 7.99 < f["entropy"] <= 8.0
    assert f["entropy"] == pytest.approx(sps.entropy(np.bincount(noise.ravel()), base=2))
    half = save(noise // 2, tmp_path / "half.png")  # 128 levels: 7 bits
    assert 6.99 < image_features(half)["entropy"] <= 7.0


def test_sharpness_drops_when_a_checkerboard_is_blurred(tmp_path: Path) -> None:
    y, x = np.mgrid[0:128, 0:128]
    board = np.where((x // 8 + y // 8) % 2 == 0, 30, 225).astype(np.uint8)
    sharp = save(board, tmp_path / "sharp.png")
    blurred = tmp_path / "blurred.png"
    load(sharp).filter(ImageFilter.GaussianBlur(3)).save(blurred)
    s_sharp, s_blur = image_features(sharp)["sharpness"], image_features(blurred)["sharpness"]
    assert s_blur < s_sharp / 10
    # scipy's Laplacian uses the same 3x3 stencil; the border is left out.
    expected = ndimage.laplace(board.astype(np.float64))[1:-1, 1:-1].var()
    assert s_sharp == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("sigma", [3.0, 8.0, 20.0])
def test_immerkaer_noise_estimate_recovers_known_sigma(tmp_path: Path, sigma: float) -> None:
    clean = smooth_grey()
    clean_path = save(np.rint(clean).astype(np.uint8), tmp_path / "clean.png")
    noisy = clean + np.random.default_rng(5).normal(0, sigma, clean.shape)
    assert noisy.min() > 0  # no clipping
    assert noisy.max() < 255
    noisy_path = save(np.rint(noisy).astype(np.uint8), tmp_path / "noisy.png")
    estimate = image_features(noisy_path)["noise"]
    assert estimate == pytest.approx(sigma, rel=0.05)
    assert image_features(clean_path)["noise"] < 0.5  # only the 8-bit rounding is left
    # The formula itself, with scipy's 2-D convolution.
    mask = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]])
    img = np.rint(noisy)
    direct = np.abs(signal.convolve2d(img, mask, mode="valid")).sum()
    direct *= math.sqrt(math.pi / 2) / (6 * (img.shape[1] - 2) * (img.shape[0] - 2))
    assert estimate == pytest.approx(direct, rel=1e-12)


def test_noise_on_colour_image_is_measured_on_luma(tmp_path: Path) -> None:
    clean = smooth_grey()
    noise = np.random.default_rng(6).normal(0, 10.0, clean.shape)
    # The same noise in every channel is the same noise in the luma.
    rgb = np.rint(np.stack([clean + noise, clean * 0.8 + noise, clean * 0.6 + 20 + noise], axis=2))
    f = image_features(save(rgb.astype(np.uint8), tmp_path / "n.png"))
    assert f["noise"] == pytest.approx(10.0, rel=0.15)


def test_tiny_images_have_no_sharpness_or_noise(tmp_path: Path) -> None:
    f = image_features(save(np.array([[0, 255]], dtype=np.uint8), tmp_path / "t.png"))
    assert math.isnan(f["sharpness"])
    assert math.isnan(f["noise"])
    assert f["brightness"] == 0.5


def test_rotation_changes_aspect_ratio(tmp_path: Path) -> None:
    wide = save(random_rgb(7, (20, 40)), tmp_path / "wide.png")
    tall = tmp_path / "tall.png"
    load(wide).rotate(90, expand=True).save(tall)
    fw, ft = image_features(wide), image_features(tall)
    assert (fw["width"], fw["height"], fw["aspect_ratio"]) == (40, 20, 2.0)
    assert (ft["width"], ft["height"], ft["aspect_ratio"]) == (20, 40, 0.5)
    # A rotation moves pixels, it does not change their distribution.
    assert ft["brightness"] == pytest.approx(fw["brightness"])
    assert ft["entropy"] == pytest.approx(fw["entropy"])


# --- modes and formats -------------------------------------------------------------------


def pixel_features(f: dict[str, float | str]) -> dict[str, float | str]:
    return {k: v for k, v in f.items() if k not in ("mode", "channels", "format", "file_size")}


def test_modes_and_formats_are_reported(tmp_path: Path) -> None:
    rgb = random_rgb(8)
    cases = {
        "rgb.png": (None, {}, "RGB", 3, "PNG"),
        "rgb.jpg": (None, {"quality": 90}, "RGB", 3, "JPEG"),
        "grey.png": ("L", {}, "L", 1, "PNG"),
        "grey.jpg": ("L", {}, "L", 1, "JPEG"),
        "rgba.png": ("RGBA", {}, "RGBA", 4, "PNG"),
        "palette.png": ("P", {}, "P", 1, "PNG"),
        "palette.gif": ("P", {}, "P", 1, "GIF"),
        "bilevel.png": ("1", {}, "1", 1, "PNG"),
        "greyalpha.png": ("LA", {}, "LA", 2, "PNG"),
        "cmyk.jpg": ("CMYK", {}, "CMYK", 4, "JPEG"),
        "rgb.bmp": (None, {}, "RGB", 3, "BMP"),
        "rgb.webp": (None, {"lossless": True}, "RGB", 3, "WEBP"),
        "rgb.tiff": (None, {}, "RGB", 3, "TIFF"),
    }
    for name, (mode, params, want_mode, channels, fmt) in cases.items():
        f = image_features(save(rgb, tmp_path / name, mode, **params))
        assert (f["mode"], f["channels"], f["format"]) == (want_mode, channels, fmt), name
        assert (f["width"], f["height"]) == (80, 60), name
        assert 0 < f["brightness"] < 1, name


def test_alpha_is_dropped_and_palettes_expanded(tmp_path: Path) -> None:
    rgb = random_rgb(9)
    plain = image_features(save(rgb, tmp_path / "rgb.png"))
    alpha = np.dstack([rgb, np.random.default_rng(9).integers(0, 256, rgb.shape[:2])])
    with_alpha = image_features(save(alpha.astype(np.uint8), tmp_path / "rgba.png"))
    assert pixel_features(with_alpha) == pixel_features(plain)
    assert with_alpha["mode"] == "RGBA"

    palette_path = save(rgb, tmp_path / "p.png", "P")
    expanded = save(np.asarray(load(palette_path).convert("RGB")), tmp_path / "e.png")
    assert pixel_features(image_features(palette_path)) == pixel_features(image_features(expanded))


def test_palette_with_transparency_reads_without_warning(tmp_path: Path) -> None:
    image = Image.new("P", (10, 10), 1)
    image.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    path = tmp_path / "t.png"
    image.save(path, transparency=bytes([0, 128] + [255] * 254))  # warnings are errors here
    f = image_features(path)
    assert f["mode"] == "P"
    assert f["brightness"] == pytest.approx(1.0)


def test_grey_images_repeat_luma_in_every_channel(tmp_path: Path) -> None:
    grey = np.random.default_rng(10).integers(0, 256, (30, 30), dtype=np.uint8)
    f = image_features(save(grey, tmp_path / "g.png"))
    assert f["mean_r"] == f["mean_g"] == f["mean_b"] == pytest.approx(grey.mean() / 255)
    assert f["std_r"] == f["std_g"] == f["std_b"] == f["contrast"]
    assert [f[f"hist_r_{i}"] for i in range(8)] == [f[f"hist_b_{i}"] for i in range(8)]


def test_sixteen_bit_grey_is_scaled_to_the_same_features(tmp_path: Path) -> None:
    grey = smooth_grey(40, 50).astype(np.uint8)
    eight = image_features(save(grey, tmp_path / "g8.png"))
    sixteen = image_features(save(grey.astype(np.uint16) * 257, tmp_path / "g16.png"))
    assert sixteen["mode"].startswith("I")
    for name in (
        "brightness",
        "contrast",
        "sharpness",
        "noise",
        "entropy",
        "mean_r",
        *HIST_COLUMNS,
    ):
        assert sixteen[name] == pytest.approx(eight[name], rel=1e-9, abs=1e-12), name


def test_large_images_keep_their_size_and_agree_across_formats(tmp_path: Path) -> None:
    height, width = 1200, 2000  # 2.4 MP: analysed at half size
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([x / width * 255, y / height * 255, (x + y) / (width + height) * 255], axis=2)
    rgb = np.clip(rgb + np.random.default_rng(11).normal(0, 4, rgb.shape), 0, 255)
    rgb = rgb.astype(np.uint8)
    png = image_features(save(rgb, tmp_path / "big.png"))
    jpg = image_features(save(rgb, tmp_path / "big.jpg", quality=95))
    for f in (png, jpg):
        assert (f["width"], f["height"], f["aspect_ratio"]) == (width, height, width / height)
        assert f["brightness"] == pytest.approx(luma255(rgb).mean() / 255, abs=2e-3)
        assert f["contrast"] == pytest.approx(luma255(rgb).std() / 255, rel=0.01)
    # The JPEG is decoded at 1/2 scale, the PNG box-averaged by 2: like is compared with like.
    assert jpg["noise"] == pytest.approx(png["noise"], rel=0.2)
    assert jpg["colourfulness"] == pytest.approx(png["colourfulness"], rel=0.01)


def test_reduction_is_a_power_of_two() -> None:
    pixels = images.ANALYSIS_PIXELS
    assert images._reduction(1024, 1024) == 1
    assert images._reduction(pixels, 1) == 1
    assert images._reduction(pixels + 1, 1) == 2
    assert images._reduction(4000, 3000) == 4
    assert images._reduction(20000, 20000) == 32


# --- problems ----------------------------------------------------------------------------


def bad_files(folder: Path) -> dict[str, tuple[Path, str]]:
    good = save(random_rgb(12), folder / "good.png")
    data = good.read_bytes()
    corrupt = folder / "corrupt.png"
    corrupt.write_bytes(np.random.default_rng(12).integers(0, 256, 500, dtype=np.uint8).tobytes())
    empty = folder / "empty.png"
    empty.write_bytes(b"")
    text = folder / "text.png"
    text.write_text("id,label\n1,cat\n", encoding="utf-8")
    truncated = folder / "truncated.png"
    truncated.write_bytes(data[: len(data) // 2])
    return {
        "corrupt": (corrupt, "unreadable"),
        "empty": (empty, "empty"),
        "text": (text, "unreadable"),
        "truncated": (truncated, "unreadable"),
        "missing": (folder / "gone.png", "missing"),
    }


def test_bad_files_raise_errors_naming_the_file(tmp_path: Path) -> None:
    for path, problem in bad_files(tmp_path).values():
        expected = InputFileNotFoundError if problem == "missing" else FileFormatError
        with pytest.raises(expected, match=re.escape(str(path))):
            image_features(path)


def test_bad_files_become_problems_with_pillows_reason(tmp_path: Path) -> None:
    files = bad_files(tmp_path)
    paths = [path for path, _ in files.values()]
    table, problems = extract_image_features(paths, list(range(10, 10 + len(paths))))
    assert len(table) == 0
    assert list(table.columns) == list(IMAGE_FEATURE_COLUMNS)
    assert table.index.name == "row"
    assert [(p.row, p.path, p.problem) for p in problems] == [
        (10 + i, str(path), problem) for i, (path, problem) in enumerate(files.values())
    ]
    for p in problems:
        assert p.path in p.detail
    by_name = dict(zip(files, problems, strict=True))
    assert "cannot identify image file" in by_name["text"].detail
    assert "truncated" in by_name["truncated"].detail.lower()
    assert "0 bytes" in by_name["empty"].detail


@pytest.mark.parametrize("workers", [1, 2])
def test_decompression_bombs_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    small = save(random_rgb(13, (20, 20)), tmp_path / "small.png")  # 400 pixels
    warned = save(random_rgb(13, (40, 40)), tmp_path / "warned.png")  # over the limit
    refused = save(random_rgb(13, (50, 50)), tmp_path / "refused.png")  # over twice the limit
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    table, problems = extract_image_features(
        [warned, small, refused], [0, 1, 2], workers=workers, chunksize=1
    )
    assert table.index.tolist() == [1]
    assert [(p.row, p.problem) for p in problems] == [(0, "unreadable"), (2, "unreadable")]
    for p in problems:
        assert "decompression bomb" in p.detail.lower()
        assert p.path in p.detail


def test_a_dead_worker_is_reported_with_the_first_file_of_its_chunk(tmp_path: Path) -> None:
    chunk = [(7, tmp_path / "a.png"), (8, tmp_path / "b.png")]
    future: Future[list[dict[str, float | str] | FileProblem]] = Future()
    future.set_exception(BrokenProcessPool("gone"))
    with pytest.raises(FileFormatError, match=rf"from row 7 \({re.escape(str(chunk[0][1]))}\)"):
        images._chunk_result(chunk, future)


def test_parameters_are_validated(tmp_path: Path) -> None:
    path = save(random_rgb(14), tmp_path / "a.png")
    with pytest.raises(ParameterError, match="'workers' parameter of extract_image_features"):
        extract_image_features([path], [0], workers=0)
    with pytest.raises(ParameterError, match="'chunksize'"):
        extract_image_features([path], [0], chunksize=0)
    with pytest.raises(ParameterError, match="as long as 'paths'"):
        extract_image_features([path], [0, 1])


# --- many files --------------------------------------------------------------------------


def mixed_folder(folder: Path, n: int) -> tuple[list[Path], list[int], set[int]]:
    """``n`` images of several kinds with bad files interleaved; returns the bad rows."""
    bad = bad_files(folder)
    bad_paths = [path for path, _ in bad.values()]
    paths: list[Path] = []
    bad_rows: set[int] = set()
    rng = np.random.default_rng(15)
    for i in range(n):
        if i % 7 == 3:
            bad_rows.add(i)
            paths.append(bad_paths[len(bad_rows) % len(bad_paths)])
            continue
        shape = (int(rng.integers(10, 60)), int(rng.integers(10, 60)))
        mode = ("RGB", "L", "RGBA", "P")[i % 4]
        ext = "jpg" if i % 5 == 0 and mode in ("RGB", "L") else "png"
        paths.append(save(random_rgb(100 + i, shape), folder / f"img{i}.{ext}", mode))
    return paths, [1000 + i for i in range(n)], bad_rows


def test_order_is_kept_with_problems_interleaved(tmp_path: Path) -> None:
    paths, rows, bad_rows = mixed_folder(tmp_path, 40)
    table, problems = extract_image_features(paths, rows)
    good = [r for i, r in enumerate(rows) if i not in bad_rows]
    assert table.index.tolist() == good
    assert [p.row for p in problems] == [rows[i] for i in sorted(bad_rows)]
    for row, width in zip(table.index, table["width"], strict=True):
        assert width == load(paths[row - 1000]).size[0]


def test_workers_give_the_same_result_as_one_process(tmp_path: Path) -> None:
    paths, rows, _ = mixed_folder(tmp_path, 40)
    serial, serial_problems = extract_image_features(paths, rows)
    parallel, parallel_problems = extract_image_features(paths, rows, workers=2, chunksize=3)
    pd.testing.assert_frame_equal(parallel, serial)
    assert parallel_problems == serial_problems
    assert all(isinstance(p, FileProblem) for p in parallel_problems)


def test_table_columns_and_kinds(tmp_path: Path) -> None:
    paths, rows, _ = mixed_folder(tmp_path, 8)
    table, _ = extract_image_features(paths, rows)
    kinds = image_feature_kinds()
    assert list(table.columns) == list(kinds)
    assert (table.index.name, table.index.dtype) == ("row", np.int64)
    assert {n for n, k in kinds.items() if k == "categorical"} == {"mode", "format"}
    for name, kind in kinds.items():
        numeric = pd.api.types.is_numeric_dtype(table[name])
        assert numeric == (kind == "numerical"), name
    assert table[HIST_COLUMNS[:8]].sum(axis=1).to_numpy() == pytest.approx(1.0)
    empty, problems = extract_image_features([], [], workers=2)
    assert (len(empty), problems) == (0, [])
    assert list(empty.columns) == list(table.columns)
    assert list(empty.dtypes) == list(table.dtypes)
    assert (empty.index.name, empty.index.dtype) == ("row", np.int64)


def digits_folder(folder: Path, blur: bool, subset: np.ndarray) -> tuple[list[Path], list[int]]:
    digits = load_digits()
    paths = []
    for i, values in enumerate(digits.images[subset]):
        image = Image.fromarray(np.rint(values * 255 / 16).astype(np.uint8))
        if blur:
            image = image.filter(ImageFilter.GaussianBlur(1))
        path = folder / f"digit{i}.png"
        image.save(path)
        paths.append(path)
    return paths, list(range(len(paths)))


def test_digits_as_a_realistic_image_set(tmp_path: Path) -> None:
    """scikit-learn's 8x8 digits as PNG files: features match the pixels, and blurring the
    current set is caught as sharpness drift while an unblurred set is not."""
    for name in ("ref", "same", "blur"):
        (tmp_path / name).mkdir()
    # The digits are stored writer by writer, so both sides are drawn at random from all of them.
    order = np.random.default_rng(17).permutation(len(load_digits().images))
    ref_paths, ref_rows = digits_folder(tmp_path / "ref", False, order[:600])
    same_paths, same_rows = digits_folder(tmp_path / "same", False, order[600:1200])
    blur_paths, blur_rows = digits_folder(tmp_path / "blur", True, order[600:1200])
    reference, problems = extract_image_features(ref_paths, ref_rows, workers=2)
    assert problems == []
    assert len(reference) == 600
    pixels = np.rint(load_digits().images[order[:600]] * 255 / 16)
    assert reference["brightness"].to_numpy() == pytest.approx(pixels.mean(axis=(1, 2)) / 255)
    assert set(reference["mode"]) == {"L"}
    assert (reference["width"] == 8).all()

    same, _ = extract_image_features(same_paths, same_rows)
    blurred, _ = extract_image_features(blur_paths, blur_rows)
    assert blurred["sharpness"].median() < same["sharpness"].median() / 2
    schema = Schema(
        tuple(ColumnSpec(name, kind=kind) for name, kind in image_feature_kinds().items())
    )
    no_drift = compare(reference, same, schema, multivariate=False)
    drift = compare(reference, blurred, schema, multivariate=False)
    assert no_drift.drift.drifted_columns == []
    assert {"sharpness", "noise", "contrast"} <= set(drift.drift.drifted_columns)


# --- thumbnails --------------------------------------------------------------------------


def decode(uri: str) -> Image.Image:
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    return Image.open(io.BytesIO(base64.b64decode(uri[len(prefix) :])))


def test_thumbnail_is_a_small_png_keeping_the_aspect_ratio(tmp_path: Path) -> None:
    rgb = random_rgb(16, (300, 600))
    thumb = decode(thumbnail_data_uri(save(rgb, tmp_path / "a.jpg")))
    assert thumb.format == "PNG"
    assert thumb.size == (96, 48)
    assert thumb.mode == "RGB"
    small = decode(thumbnail_data_uri(save(rgb, tmp_path / "b.png"), size=32))
    assert small.size == (32, 16)
    tiny = decode(thumbnail_data_uri(save(rgb[:10, :20], tmp_path / "c.png")))
    assert tiny.size == (20, 10)  # never enlarged
    alpha = np.dstack([rgb, np.full(rgb.shape[:2], 7, dtype=np.uint8)])
    kept = decode(thumbnail_data_uri(save(alpha, tmp_path / "d.png")))
    assert kept.mode == "RGBA"
    assert np.asarray(kept)[:, :, 3].max() == 7
    grey = decode(thumbnail_data_uri(save(rgb, tmp_path / "e.png", "L")))
    assert np.asarray(grey).mean() == pytest.approx(luma255(rgb).mean(), abs=3)


def test_thumbnail_errors(tmp_path: Path) -> None:
    text = tmp_path / "t.png"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"t\.png cannot be read as an image"):
        thumbnail_data_uri(text)
    with pytest.raises(InputFileNotFoundError, match=r"nope\.png"):
        thumbnail_data_uri(tmp_path / "nope.png")
    with pytest.raises(ParameterError, match="'size'"):
        thumbnail_data_uri(text, size=0)
