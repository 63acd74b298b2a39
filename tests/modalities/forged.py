"""Files whose headers declare what their bytes do not hold: sample rates of 1 GHz, images of
90 million pixels. A few kilobytes each; a reader that believes the header allocates
gigabytes."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image


def forged_wav(
    path: Path, sample_rate: int, *, channels: int = 1, size: int = 8192, bits: int = 16
) -> Path:
    """A PCM WAV of ``size`` bytes (zeros after the header, sparse: no disk is written) whose
    header declares ``sample_rate`` and ``channels``, whatever they are."""
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 1, channels, sample_rate, sample_rate * block, block, bits)
    data = size - 44
    header = b"RIFF" + struct.pack("<I", 36 + data) + b"WAVE" + b"fmt " + struct.pack("<I", 16)
    with path.open("wb") as handle:
        handle.write(header + fmt + b"data" + struct.pack("<I", data))
        handle.truncate(size)
    return path


def _small(kind: str, mode: str = "RGB") -> bytearray:
    buffer = io.BytesIO()
    Image.new(mode, (8, 8), 128 if mode == "L" else (120, 60, 30)).save(buffer, kind)
    return bytearray(buffer.getvalue())


def forged_png(path: Path, width: int, height: int, mode: str = "RGB") -> Path:
    """An 8 x 8 PNG whose IHDR chunk declares ``width`` x ``height`` (with a valid CRC)."""
    data = _small("PNG", mode)
    # IHDR: length and type at 8-15, width and height at 16-23, its CRC at 29-32.
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    path.write_bytes(bytes(data))
    return path


def forged_jpeg(path: Path, width: int, height: int) -> Path:
    """An 8 x 8 JPEG whose start-of-frame segment declares ``width`` x ``height``."""
    data = _small("JPEG")
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    path.write_bytes(bytes(data))
    return path


def forged_tiff(path: Path, width: int, height: int) -> Path:
    """An 8 x 8 little-endian TIFF whose ImageWidth and ImageLength tags declare ``width`` x
    ``height``."""
    data = _small("TIFF")
    (ifd,) = struct.unpack("<I", data[4:8])
    (count,) = struct.unpack("<H", data[ifd : ifd + 2])
    for k in range(count):
        at = ifd + 2 + 12 * k
        tag, kind = struct.unpack("<HH", data[at : at + 4])
        if tag in (256, 257):
            value = width if tag == 256 else height
            packed = struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
            data[at + 8 : at + 12] = packed
    path.write_bytes(bytes(data))
    return path
