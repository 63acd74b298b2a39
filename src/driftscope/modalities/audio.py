"""Audio files turned into one row of features per file, for the drift core.

Each file is read with soundfile (WAV, FLAC, OGG/Vorbis and the other formats libsndfile knows)
in blocks of a few seconds, so memory stays bounded whatever the file's length, and the whole file
is analysed. Levels are measured on every channel; everything else on the mono mix (the mean of
the channels), cut into 25 ms frames every 10 ms. docs/audio.md defines every feature.

`audio_features` raises a clear error for a file it cannot use; `extract_audio_features` turns
such files into `FileProblem` records (``unreadable`` or ``empty``), so one bad file never stops a
run.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing.context import BaseContext
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.fft
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray
from scipy import signal

from driftscope._validate import check_int, check_length
from driftscope.data.paths import FileProblem
from driftscope.data.schema import ColumnKind
from driftscope.exceptions import EmptyDataError, FileFormatError

try:
    import soundfile as sf
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "Audio features need the soundfile package: pip install 'driftscope[audio]'"
    ) from exc

__all__ = [
    "AUDIO_CATEGORICAL_FEATURES",
    "AUDIO_FEATURE_COLUMNS",
    "AUDIO_NUMERICAL_FEATURES",
    "audio_feature_kinds",
    "audio_features",
    "extract_audio_features",
]

FloatArray = NDArray[np.float64]

FRAME_SECONDS = 0.025
"""Length of an analysis frame (silence, spectrum, MFCC)."""
HOP_SECONDS = 0.010
"""Step between the starts of consecutive frames (silence, spectrum, MFCC, pitch)."""
SILENCE_DBFS = -40.0
"""A frame is silent when its RMS is below this level, relative to full scale (1.0)."""
DIGITAL_SILENCE_RMS = 1e-8
"""Frames quieter than this (-160 dBFS, below one 24-bit step) hold no spectrum to describe."""
ROLLOFF_SHARE = 0.85
N_MELS = 40
N_MFCC = 13
MEL_FLOOR = 1e-10
"""Mel energies are clamped to this before the logarithm, so a band with no energy stays finite."""
PITCH_FMIN_HZ = 50.0
PITCH_FMAX_HZ = 1000.0
YIN_THRESHOLD = 0.1
"""A pitch frame is voiced when YIN's normalised difference dips below this (de Cheveigné 2002)."""
BLOCK_HOPS = 500
"""Frames' worth of samples read at a time (5 s of audio): bounds memory on long files."""
MAX_BLOCK_SAMPLES = 1 << 22
"""At most this many samples (all channels) are decoded at a time, 32 MiB as float64: files with
many channels are read in blocks of fewer than `BLOCK_HOPS` hops."""
MAX_PITCH_SAMPLES = 1 << 20
"""At most this many samples of pitch frames are analysed at a time. A pitch frame is two of the
longest periods searched, so its length grows with the sample rate, and the frames of a block
with its square: above 48 kHz, blocks hold fewer than `BLOCK_HOPS` hops (the features are the
same; memory stays near that of 48 kHz)."""
MAX_SAMPLE_RATE = 384_000
"""Highest sample rate read, in Hz (the highest of the common studio rates). The analysis
settings grow with the rate (a forged header claiming 1 GHz asked for gigabytes), so a header
claiming more is refused before anything is decoded."""
MIN_SAMPLE_RATE = 1_000
"""Lowest sample rate read, in Hz: below it a 25 ms frame holds too few samples to describe."""
MAX_CHANNELS = 64
"""Most channels read (a 7th-order Ambisonics recording has 64)."""
MAX_DURATION_S = 24 * 3600.0
"""Longest file read, in seconds (24 hours), as its header declares it: the time a file takes
grows with its length."""
_PITCH_BINS_PER_OCTAVE = 1200  # 1-cent histogram: the median is exact to half a cent

_MFCC_COLUMNS = tuple(f"mfcc_{k}_{stat}" for k in range(N_MFCC) for stat in ("mean", "std"))
AUDIO_CATEGORICAL_FEATURES: tuple[str, ...] = ("format", "subtype")
AUDIO_NUMERICAL_FEATURES: tuple[str, ...] = (
    "duration_s",
    "sample_rate",
    "channels",
    "rms",
    "rms_dbfs",
    "peak_dbfs",
    "silence_ratio",
    "zero_crossing_rate",
    "spectral_centroid_hz",
    "spectral_bandwidth_hz",
    "spectral_rolloff_hz",
    *_MFCC_COLUMNS,
    "pitch_hz",
    "voiced_ratio",
)
AUDIO_FEATURE_COLUMNS: tuple[str, ...] = (
    "duration_s",
    "sample_rate",
    "channels",
    *AUDIO_CATEGORICAL_FEATURES,
    *AUDIO_NUMERICAL_FEATURES[3:],
)
"""The columns of `extract_audio_features`, in order (the keys of `audio_features`)."""


def audio_feature_kinds() -> dict[str, ColumnKind]:
    """The kind of each audio feature column, for a `Schema`.

    >>> kinds = audio_feature_kinds()
    >>> kinds["subtype"], kinds["pitch_hz"]
    (<ColumnKind.CATEGORICAL: 'categorical'>, <ColumnKind.NUMERICAL: 'numerical'>)
    """
    return {
        name: ColumnKind.CATEGORICAL if name in AUDIO_CATEGORICAL_FEATURES else ColumnKind.NUMERICAL
        for name in AUDIO_FEATURE_COLUMNS
    }


# --------------------------------------------------------------------------------------------
# Analysis settings for one sample rate


@dataclass(frozen=True, eq=False)
class _Settings:
    sample_rate: int
    frame: int  # samples per spectral frame
    hop: int
    n_fft: int
    window: FloatArray
    freqs: FloatArray  # Hz of each rfft bin
    mel_filters: FloatArray  # (N_MELS, n_fft // 2 + 1)
    tau_max: int  # longest pitch period searched, in samples
    pitch_frame: int  # 2 * tau_max: integration window + largest lag
    pitch_fft: int


def _hz_to_mel(hz: FloatArray) -> FloatArray:
    """HTK mel scale: ``2595 log10(1 + f / 700)``."""
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def _mel_to_hz(mel: FloatArray) -> FloatArray:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


def _mel_filterbank(sample_rate: int, n_fft: int, n_mels: int = N_MELS) -> FloatArray:
    """Triangular filters of peak 1 with centres evenly spaced on the HTK mel scale, from 0 Hz to
    Nyquist (the same matrix as ``librosa.filters.mel(htk=True, norm=None)``)."""
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / sample_rate)
    edges = _mel_to_hz(np.linspace(0.0, float(_hz_to_mel(np.array(sample_rate / 2.0))), n_mels + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs[None, :] - lower) / (centre - lower)
    falling = (upper - freqs[None, :]) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))


@lru_cache(maxsize=16)
def _settings(sample_rate: int) -> _Settings:
    frame = max(1, round(FRAME_SECONDS * sample_rate))
    hop = max(1, round(HOP_SECONDS * sample_rate))
    n_fft = 1 << (frame - 1).bit_length()
    tau_max = max(4, math.ceil(sample_rate / PITCH_FMIN_HZ))
    pitch_frame = 2 * tau_max
    return _Settings(
        sample_rate=sample_rate,
        frame=frame,
        hop=hop,
        n_fft=n_fft,
        window=signal.get_window("hann", frame).astype(np.float64),
        freqs=np.fft.rfftfreq(n_fft, d=1.0 / sample_rate).astype(np.float64),
        mel_filters=_mel_filterbank(sample_rate, n_fft),
        tau_max=tau_max,
        pitch_frame=pitch_frame,
        pitch_fft=scipy.fft.next_fast_len(pitch_frame, real=True),
    )


# --------------------------------------------------------------------------------------------
# Streaming pieces


class _Framer:
    """Cuts a stream of samples into frames of ``length`` samples starting every ``hop``; at the
    end, samples that no frame covered yet go into one last zero-padded frame."""

    def __init__(self, length: int, hop: int) -> None:
        self.length = length
        self.hop = hop
        self._buffer = np.zeros(0)
        self._emitted = 0

    def push(self, samples: FloatArray) -> FloatArray:
        buffer = np.concatenate((self._buffer, samples)) if self._buffer.size else samples
        if buffer.size < self.length:
            self._buffer = buffer.copy()
            return np.zeros((0, self.length))
        count = 1 + (buffer.size - self.length) // self.hop
        frames = sliding_window_view(buffer, self.length)[:: self.hop][:count].copy()
        self._buffer = buffer[count * self.hop :].copy()
        self._emitted += count
        return frames

    def finish(self) -> FloatArray:
        covered = self.length - self.hop if self._emitted else 0
        if self._buffer.size <= covered:
            return np.zeros((0, self.length))
        last = np.zeros((1, self.length))
        last[0, : self._buffer.size] = self._buffer
        self._buffer = np.zeros(0)
        return last


class _Accumulator:
    """Running sums over frames, merged block by block (Chan et al. for the MFCC variances)."""

    def __init__(self) -> None:
        self.frames = 0
        self.silent = 0
        self.active = 0  # frames with any energy: the spectral summaries are over these
        self.centroid = 0.0
        self.bandwidth = 0.0
        self.rolloff = 0.0
        self.mfcc_mean = np.zeros(N_MFCC)
        self.mfcc_m2 = np.zeros(N_MFCC)
        self.pitch_frames = 0
        self.pitch_hist = np.zeros(_pitch_bin_count(), dtype=np.int64)

    def add_spectral(self, frames: FloatArray, s: _Settings) -> None:
        if frames.shape[0] == 0:
            return
        rms = np.sqrt(np.mean(frames**2, axis=1))
        self.frames += frames.shape[0]
        self.silent += int(np.count_nonzero(rms < 10.0 ** (SILENCE_DBFS / 20.0)))
        frames = frames[rms >= DIGITAL_SILENCE_RMS]
        if frames.shape[0] == 0:
            return
        magnitude = np.abs(scipy.fft.rfft(frames * s.window, n=s.n_fft, axis=1))
        centroid, bandwidth, rolloff = _spectral_shape(magnitude, s.freqs)
        self.centroid += float(centroid.sum())
        self.bandwidth += float(bandwidth.sum())
        self.rolloff += float(rolloff.sum())
        self._merge_mfcc(_mfcc(magnitude**2, s.mel_filters))
        self.active += frames.shape[0]

    def _merge_mfcc(self, mfcc: FloatArray) -> None:
        n_block = mfcc.shape[0]
        mean_block = mfcc.mean(axis=0)
        m2_block = ((mfcc - mean_block) ** 2).sum(axis=0)
        total = self.active + n_block
        delta = mean_block - self.mfcc_mean
        self.mfcc_mean = self.mfcc_mean + delta * (n_block / total)
        self.mfcc_m2 = self.mfcc_m2 + m2_block + delta**2 * (self.active * n_block / total)

    def add_pitch(self, frames: FloatArray, s: _Settings) -> None:
        if frames.shape[0] == 0:
            return
        self.pitch_frames += frames.shape[0]
        f0 = _yin(frames, s)
        f0 = f0[np.isfinite(f0)]
        if f0.size:
            self.pitch_hist += np.bincount(_pitch_bin(f0), minlength=self.pitch_hist.size)

    def summary(self) -> dict[str, float]:
        out: dict[str, float] = {"silence_ratio": self.silent / self.frames}
        active = self.active or math.nan  # no energy at all: the spectral features are missing
        out["spectral_centroid_hz"] = self.centroid / active
        out["spectral_bandwidth_hz"] = self.bandwidth / active
        out["spectral_rolloff_hz"] = self.rolloff / active
        std = np.sqrt(self.mfcc_m2 / active)
        for k in range(N_MFCC):
            out[f"mfcc_{k}_mean"] = float(self.mfcc_mean[k]) if self.active else math.nan
            out[f"mfcc_{k}_std"] = float(std[k])
        voiced = int(self.pitch_hist.sum())
        out["pitch_hz"] = _histogram_median(self.pitch_hist) if voiced else math.nan
        out["voiced_ratio"] = voiced / self.pitch_frames
        return out


# --------------------------------------------------------------------------------------------
# Per-frame computations (rows are frames)


def _spectral_shape(
    magnitude: FloatArray, freqs: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Centroid, bandwidth (spread around the centroid) and 85% roll-off of each row of
    ``magnitude``, weighting frequencies by the magnitude as librosa does."""
    total = magnitude.sum(axis=1)
    total = np.where(total > 0.0, total, 1.0)
    centroid = magnitude @ freqs / total
    spread = (magnitude * (freqs[None, :] - centroid[:, None]) ** 2).sum(axis=1) / total
    cumulative = np.cumsum(magnitude, axis=1)
    rolloff_bin = np.argmax(cumulative >= ROLLOFF_SHARE * cumulative[:, -1:], axis=1)
    return centroid, np.sqrt(spread), freqs[rolloff_bin]


def _mfcc(power: FloatArray, mel_filters: FloatArray) -> FloatArray:
    """The first `N_MFCC` coefficients: DCT-II (orthonormal) of the log mel energies."""
    log_mel = np.log(np.maximum(power @ mel_filters.T, MEL_FLOOR))
    return scipy.fft.dct(log_mel, type=2, norm="ortho", axis=1)[:, :N_MFCC]


def _yin(frames: FloatArray, s: _Settings) -> FloatArray:
    """YIN fundamental frequency of each frame [1]_, NaN where the frame is unvoiced.

    The difference function ``d(tau) = sum_{j<W} (x_j - x_{j+tau})^2`` (``W = tau_max``) is built
    from running energies and one FFT cross-correlation per frame. The first lag (from 2) where
    the cumulative-mean-normalised ``d'`` drops below `YIN_THRESHOLD` starts a dip whose lowest
    point, refined by a parabola through ``d``, is the period. Frames with no such dip, with the
    dip's lowest point at the longest lag searched, or with a frequency outside
    [`PITCH_FMIN_HZ`, `PITCH_FMAX_HZ`] are unvoiced: a pitch out of range is not folded into it.

    .. [1] A. de Cheveigné, H. Kawahara, "YIN, a fundamental frequency estimator for speech and
       music", J. Acoust. Soc. Am. 111(4), 2002.
    """
    width = s.tau_max
    lags = np.arange(s.tau_max + 1)
    energy = np.concatenate((np.zeros((frames.shape[0], 1)), np.cumsum(frames**2, axis=1)), axis=1)
    head = energy[:, width : width + 1]  # sum of x_j^2 for j < W
    shifted = energy[:, lags + width] - energy[:, lags]  # sum of x_{j+tau}^2 for j < W
    spectrum = scipy.fft.rfft(frames, n=s.pitch_fft, axis=1)
    window_spectrum = scipy.fft.rfft(frames[:, :width], n=s.pitch_fft, axis=1)
    cross = scipy.fft.irfft(np.conj(window_spectrum) * spectrum, n=s.pitch_fft, axis=1)
    diff = np.maximum(head + shifted - 2.0 * cross[:, : s.tau_max + 1], 0.0)
    running = np.cumsum(diff[:, 1:], axis=1)
    normalised = np.ones_like(diff)
    normalised[:, 1:] = np.divide(
        diff[:, 1:] * lags[1:], running, out=np.ones_like(running), where=running > 0.0
    )

    first_lag = 2  # d' is 1 at lag 0 by definition; lag 1 is the parabola's left neighbour
    search = normalised[:, first_lag : s.tau_max]  # tau_max stays as the right neighbour
    below = search < YIN_THRESHOLD
    first = np.argmax(below, axis=1)
    positions = np.arange(search.shape[1])[None, :]
    # the lowest point of the first dip below the threshold (not the first local minimum, which
    # noise can put on the dip's falling side and so bias the period short)
    after_dip = ~below & (positions > first[:, None])
    end = np.where(after_dip.any(axis=1), np.argmax(after_dip, axis=1), search.shape[1])
    in_dip = (positions >= first[:, None]) & (positions < end[:, None])
    tau = first_lag + np.argmin(np.where(in_dip, search, np.inf), axis=1)

    rows = np.arange(frames.shape[0])
    before, at, after = diff[rows, tau - 1], diff[rows, tau], diff[rows, tau + 1]
    curvature = before - 2.0 * at + after
    shift = np.divide(before - after, 2.0 * curvature, out=np.zeros_like(at), where=curvature > 0.0)
    f0 = s.sample_rate / (tau + np.clip(shift, -0.5, 0.5))
    voiced = (
        below.any(axis=1)
        & (head[:, 0] >= DIGITAL_SILENCE_RMS**2 * width)
        & (tau < s.tau_max - 1)  # still falling at the longest lag: the period is longer
        & (f0 >= PITCH_FMIN_HZ)
        & (f0 <= PITCH_FMAX_HZ)
    )
    return np.where(voiced, f0, math.nan)


def _pitch_bin_count() -> int:
    return math.ceil(_PITCH_BINS_PER_OCTAVE * math.log2(PITCH_FMAX_HZ / PITCH_FMIN_HZ)) + 1


def _pitch_bin(f0: FloatArray) -> NDArray[np.intp]:
    cents: FloatArray = _PITCH_BINS_PER_OCTAVE * np.log2(
        np.clip(f0, PITCH_FMIN_HZ, PITCH_FMAX_HZ) / PITCH_FMIN_HZ
    )
    return np.rint(cents).astype(np.intp)


def _histogram_median(hist: NDArray[np.int64]) -> float:
    cumulative = np.cumsum(hist)
    middle = int(np.searchsorted(cumulative, cumulative[-1] / 2.0))
    return float(PITCH_FMIN_HZ * 2.0 ** (middle / _PITCH_BINS_PER_OCTAVE))


# --------------------------------------------------------------------------------------------
# One file


def _dbfs(level: float) -> float:
    return 20.0 * math.log10(level) if level > 0.0 else -math.inf


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "error_string", None) or str(exc)
    return str(reason).removeprefix("Error : ").strip().rstrip(".")


def _check_header(sound: sf.SoundFile, path: Path) -> None:
    """Refuse a file whose header declares a sample rate, channel count or duration beyond the
    documented limits, before any sample is decoded (a forged header is a few bytes)."""
    rate, channels, frames = int(sound.samplerate), int(sound.channels), int(sound.frames)
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise FileFormatError(
            f"{path} declares a sample rate of {rate:,} Hz; expected {MIN_SAMPLE_RATE:,} to "
            f"{MAX_SAMPLE_RATE:,} Hz (a forged or corrupt header?)."
        )
    if channels > MAX_CHANNELS:
        raise FileFormatError(
            f"{path} declares {channels:,} channels; expected at most {MAX_CHANNELS}."
        )
    if frames / rate > MAX_DURATION_S:
        raise FileFormatError(
            f"{path} declares {frames:,} frames, {frames / rate / 3600:,.1f} hours at "
            f"{rate:,} Hz; expected at most {MAX_DURATION_S / 3600:.0f} hours."
        )


def _blocks(sound: sf.SoundFile, size: int) -> Iterator[FloatArray]:
    while True:
        block = sound.read(size, dtype="float64", always_2d=True)
        if block.shape[0] == 0:
            return
        yield block


def audio_features(path: Path) -> dict[str, float | str]:
    """Features of one audio file: levels, silence, spectral shape, MFCC statistics and pitch.

    The file is read in blocks of `BLOCK_HOPS` hops and analysed whole; docs/audio.md defines
    each feature. Levels (``rms``, ``rms_dbfs``, ``peak_dbfs``) use every sample of every
    channel, relative to full scale 1.0 (so a full-scale sine has ``rms_dbfs`` -3.01); the rest
    use the mono mix. Features that need energy (spectral shape, MFCC) are NaN for a file of
    digital silence, and ``pitch_hz`` is NaN when no frame is voiced.

    Parameters
    ----------
    path
        A file soundfile can read (WAV, FLAC, OGG/Vorbis, AIFF, ...).

    Returns
    -------
    dict
        One value per name of `AUDIO_FEATURE_COLUMNS`.

    Raises
    ------
    FileFormatError
        The file is not audio soundfile can decode, holds NaN or infinite samples, or its
        header declares a sample rate, channel count or duration beyond `MIN_SAMPLE_RATE`,
        `MAX_SAMPLE_RATE`, `MAX_CHANNELS`, `MAX_DURATION_S` (checked before decoding).
    EmptyDataError
        The file has no bytes or no audio frames.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np, soundfile as sf
    >>> t = np.arange(16000) / 16000
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     sf.write(f"{folder}/a.wav", 0.5 * np.sin(2 * np.pi * 220 * t), 16000, "FLOAT")
    ...     features = audio_features(Path(folder) / "a.wav")
    >>> features["duration_s"], features["subtype"], round(features["rms_dbfs"], 2)
    (1.0, 'FLOAT', -9.03)
    >>> round(features["pitch_hz"])
    220
    """
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise EmptyDataError(f"{path} is empty (0 bytes); expected an audio file.")
        with sf.SoundFile(path) as sound:
            return _analyse(sound, path)
    except (RuntimeError, OSError) as exc:  # LibsndfileError is a RuntimeError
        raise FileFormatError(
            f"{path} could not be read as audio: {_reason(exc)}; "
            "expected a file soundfile can decode (WAV, FLAC, OGG, ...)."
        ) from exc


def _analyse(sound: sf.SoundFile, path: Path) -> dict[str, float | str]:
    _check_header(sound, path)
    s = _settings(int(sound.samplerate))
    hops = min(
        BLOCK_HOPS,
        MAX_BLOCK_SAMPLES // (s.hop * sound.channels),
        MAX_PITCH_SAMPLES // s.pitch_frame,
    )
    block_frames = max(1, hops) * s.hop
    spectral = _Framer(s.frame, s.hop)
    pitch = _Framer(s.pitch_frame, s.hop)
    acc = _Accumulator()
    samples = 0
    square_sum = 0.0
    peak = 0.0
    crossings = 0
    previous_sign: bool | None = None
    for block in _blocks(sound, block_frames):
        samples += block.shape[0]
        square_sum += float(np.einsum("ij,ij->", block, block))
        peak = max(peak, float(np.max(np.abs(block))))
        mono = block.mean(axis=1)
        sign = mono >= 0.0
        crossings += int(np.count_nonzero(sign[1:] != sign[:-1]))
        if previous_sign is not None:
            crossings += int(previous_sign != sign[0])
        previous_sign = bool(sign[-1])
        acc.add_spectral(spectral.push(mono), s)
        acc.add_pitch(pitch.push(mono), s)
    if samples == 0:
        raise EmptyDataError(f"{path} has no audio frames; expected at least one sample.")
    if not (math.isfinite(square_sum) and math.isfinite(peak)):
        raise FileFormatError(f"{path} holds NaN or infinite samples; expected finite audio.")
    acc.add_spectral(spectral.finish(), s)
    acc.add_pitch(pitch.finish(), s)

    rms = math.sqrt(square_sum / (samples * sound.channels))
    features: dict[str, float | str] = {
        "duration_s": samples / s.sample_rate,
        "sample_rate": float(s.sample_rate),
        "channels": float(sound.channels),
        "format": str(sound.format),
        "subtype": str(sound.subtype),
        "rms": rms,
        "rms_dbfs": _dbfs(rms),
        "peak_dbfs": _dbfs(peak),
        "zero_crossing_rate": crossings / (samples - 1) if samples > 1 else 0.0,
    }
    features.update(acc.summary())
    return {name: features[name] for name in AUDIO_FEATURE_COLUMNS}


# --------------------------------------------------------------------------------------------
# Many files


_Outcome = tuple[dict[str, float | str] | None, str, str]


def _features_or_problem(path: Path) -> _Outcome:
    """Run in worker processes: a result or a (problem, detail), both picklable."""
    try:
        return audio_features(path), "", ""
    except EmptyDataError as exc:
        return None, "empty", str(exc)
    except FileFormatError as exc:
        return None, "unreadable", str(exc)
    except MemoryError:  # past the header checks, still one file: the others go on
        return None, "unreadable", f"{path} needs more memory to decode than is available."


def _worker_context() -> BaseContext:
    """Where worker processes come from: a fork server where the platform has one, else spawn.

    Neither forks the caller, so both are safe in a process that runs threads. The fork server
    imports this module (numpy, scipy, pandas, soundfile) once and stays up for the life of the
    caller; each worker is then a fork of it, ready in milliseconds instead of the second or
    two a spawned worker spends importing them. The preload list is read when the fork server
    starts: if another module started it first, workers import this module themselves.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


def _init_worker() -> None:
    """One BLAS and OpenMP thread per worker: the workers are the parallelism. Left to their
    default (one thread per core each), two workers on two cores fight over them and took
    twice as long as one worker on 600 short files."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    threadpool_limits(limits=1)


def _outcomes(paths: Sequence[Path], workers: int, chunksize: int) -> Iterator[_Outcome]:
    if workers == 1 or len(paths) < 2:
        yield from map(_features_or_problem, paths)
        return
    context = _worker_context()
    with ProcessPoolExecutor(
        min(workers, len(paths)), mp_context=context, initializer=_init_worker
    ) as pool:
        yield from pool.map(_features_or_problem, paths, chunksize=chunksize)


def extract_audio_features(
    paths: Sequence[Path], rows: Sequence[int], *, workers: int = 1, chunksize: int = 8
) -> tuple[pd.DataFrame, list[FileProblem]]:
    """`audio_features` of many files, as a table with one row per readable file.

    Parameters
    ----------
    paths
        Files to read, typically ``resolve_paths(...).paths``.
    rows
        The row of the user's table each path came from (``resolve_paths(...).rows``); they
        become the index of the table (named ``row``) and the ``row`` of each problem.
    workers
        Processes reading files in parallel (1: in this process). Results keep input order.
    chunksize
        Files handed to a worker at a time when ``workers > 1``.

    Returns
    -------
    features, problems
        The table (columns `AUDIO_FEATURE_COLUMNS`, kinds from `audio_feature_kinds`) and one
        `FileProblem` (``unreadable`` or ``empty``) per file left out, in input order.
    """
    owner = "extract_audio_features"
    check_int(owner, "workers", workers, low=1)
    check_int(owner, "chunksize", chunksize, low=1)
    check_length(owner, "rows", rows, len(paths), "'paths' (one row per path)")
    records: list[dict[str, float | str]] = []
    kept: list[int] = []
    problems: list[FileProblem] = []
    for row, path, (features, problem, detail) in zip(
        rows, paths, _outcomes(list(paths), workers, chunksize), strict=True
    ):
        if features is None:
            problems.append(FileProblem(int(row), str(path), problem, detail))
        else:
            records.append(features)
            kept.append(int(row))
    table = pd.DataFrame(records, columns=list(AUDIO_FEATURE_COLUMNS))
    table.index = pd.Index(kept, dtype=np.int64, name="row")
    dtypes: dict[str, type[float] | type[str]] = {
        name: str if name in AUDIO_CATEGORICAL_FEATURES else float for name in AUDIO_FEATURE_COLUMNS
    }
    return table.astype(dtypes), problems
