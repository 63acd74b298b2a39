"""Audio features: each checked against a formula, numpy/scipy, or an independent transcription."""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.forkserver
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from numpy.typing import NDArray
from scipy import signal
from tests.modalities.forged import forged_wav

from driftscope.data.paths import FileProblem
from driftscope.data.schema import ColumnKind
from driftscope.exceptions import EmptyDataError, FileFormatError, ParameterError
from driftscope.modalities import audio
from driftscope.modalities.audio import (
    AUDIO_CATEGORICAL_FEATURES,
    AUDIO_FEATURE_COLUMNS,
    AUDIO_NUMERICAL_FEATURES,
    audio_feature_kinds,
    audio_features,
    extract_audio_features,
)

Array = NDArray[np.float64]
NUMERIC = list(AUDIO_NUMERICAL_FEATURES)


def tone(freq: float, sr: int, seconds: float, amplitude: float = 0.5) -> Array:
    t = np.arange(round(sr * seconds)) / sr
    return amplitude * np.sin(2 * np.pi * freq * t)


def write(path: Path, data: NDArray[Any], sr: int, subtype: str = "DOUBLE") -> Path:
    sf.write(path, data, sr, subtype=subtype)
    return path


def level(features: dict[str, float | str], name: str) -> float:
    value = features[name]
    assert isinstance(value, float)
    return value


def numeric(features: dict[str, float | str]) -> Array:
    return np.array([features[name] for name in NUMERIC], dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Formulas on known signals


def test_sine_levels_pitch_and_spectrum(tmp_path: Path) -> None:
    sr, a = 16000, 0.5
    x = tone(440.0, sr, 1.0, a)
    f = audio_features(write(tmp_path / "sine.wav", x, sr))
    data, _ = sf.read(tmp_path / "sine.wav")
    assert f["format"] == "WAV"
    assert f["subtype"] == "DOUBLE"
    assert f["duration_s"] == 1.0
    assert f["channels"] == 1.0
    assert level(f, "rms") == pytest.approx(float(np.sqrt(np.mean(data**2))), rel=1e-12)
    assert level(f, "rms") == pytest.approx(a / math.sqrt(2), rel=1e-9)  # 440 whole periods
    assert level(f, "rms_dbfs") == pytest.approx(20 * math.log10(a / math.sqrt(2)), abs=1e-9)
    assert level(f, "peak_dbfs") == pytest.approx(20 * math.log10(np.abs(data).max()), abs=1e-12)
    crossings = np.count_nonzero(np.diff(data >= 0)) / (data.size - 1)
    assert f["zero_crossing_rate"] == pytest.approx(crossings, rel=1e-12)
    assert level(f, "zero_crossing_rate") == pytest.approx(2 * 440 / sr, rel=0.01)
    assert level(f, "pitch_hz") == pytest.approx(440.0, rel=0.01)
    assert f["voiced_ratio"] == 1.0
    assert f["silence_ratio"] == 0.0
    assert level(f, "spectral_centroid_hz") == pytest.approx(440.0, rel=0.02)
    bin_hz = sr / 512
    assert 440.0 <= level(f, "spectral_rolloff_hz") <= 440.0 + 2 * bin_hz
    assert level(f, "spectral_bandwidth_hz") < 4 * bin_hz  # a pure tone's width is leakage only


@pytest.mark.parametrize(("sr", "freq"), [(8000, 130.0), (16000, 440.0), (44100, 800.0)])
def test_sample_rates_duration_and_pitch(tmp_path: Path, sr: int, freq: float) -> None:
    x = tone(freq, sr, 1.5, 0.3)
    f = audio_features(write(tmp_path / "t.flac", x, sr, "PCM_24"))
    assert f["sample_rate"] == float(sr)
    assert f["duration_s"] == x.size / sr
    assert f["format"] == "FLAC"
    assert level(f, "pitch_hz") == pytest.approx(freq, rel=0.01)
    assert level(f, "zero_crossing_rate") == pytest.approx(2 * freq / sr, rel=0.01)


@pytest.mark.parametrize(
    ("freq", "voiced"), [(45.0, False), (55.0, True), (950.0, True), (1100.0, False)]
)
def test_pitch_outside_50_to_1000_hz_is_unvoiced(tmp_path: Path, freq: float, voiced: bool) -> None:
    f = audio_features(write(tmp_path / "t.wav", tone(freq, 16000, 1.0), 16000))
    if voiced:
        assert level(f, "pitch_hz") == pytest.approx(freq, rel=0.01)
        assert f["voiced_ratio"] == 1.0
    else:  # neither clipped to the range edge nor folded to a sub-multiple (550 Hz)
        assert math.isnan(level(f, "pitch_hz"))
        assert f["voiced_ratio"] == 0.0


def test_silence_then_tone_silence_ratio(tmp_path: Path) -> None:
    sr, silent_s, tone_s = 16000, 0.6, 1.4
    x = np.concatenate((np.zeros(round(sr * silent_s)), tone(300.0, sr, tone_s)))
    f = audio_features(write(tmp_path / "gap.wav", x, sr))
    frames = 1 + math.ceil((x.size - 400) / 160)  # 25 ms frames every 10 ms, last one padded
    share = silent_s / (silent_s + tone_s)
    assert abs(level(f, "silence_ratio") - share) <= (400 / 160) / frames  # within one frame
    # the digital silence carries no spectrum: the spectral features describe the tone alone
    assert level(f, "spectral_centroid_hz") == pytest.approx(300.0, rel=0.03)
    assert level(f, "pitch_hz") == pytest.approx(300.0, rel=0.01)
    assert level(f, "voiced_ratio") == pytest.approx(tone_s / (silent_s + tone_s), abs=0.02)


@pytest.mark.parametrize(("rms_dbfs", "expected"), [(-45.0, 1.0), (-35.0, 0.0)])
def test_silence_threshold_is_minus_40_dbfs_of_full_scale(
    tmp_path: Path, rms_dbfs: float, expected: float
) -> None:
    amplitude = math.sqrt(2) * 10 ** (rms_dbfs / 20)
    f = audio_features(write(tmp_path / "quiet.wav", tone(500.0, 16000, 1.0, amplitude), 16000))
    assert f["silence_ratio"] == expected
    assert level(f, "rms_dbfs") == pytest.approx(rms_dbfs, abs=1e-6)
    assert level(f, "pitch_hz") == pytest.approx(500.0, rel=0.01)  # quiet is not unvoiced


def test_white_noise_against_tone(tmp_path: Path) -> None:
    sr = 16000
    noise = np.random.default_rng(1).normal(0.0, 0.1, sr * 2)
    n = audio_features(write(tmp_path / "noise.wav", noise, sr))
    t = audio_features(write(tmp_path / "tone.wav", tone(440.0, sr, 2.0), sr))
    for name in ("spectral_centroid_hz", "spectral_bandwidth_hz", "zero_crossing_rate"):
        assert level(n, name) > 3 * level(t, name), name
    # a flat magnitude spectrum on [0, sr/2]: uniform moments and roll-off
    nyquist = sr / 2
    assert level(n, "spectral_centroid_hz") == pytest.approx(nyquist / 2, rel=0.03)
    assert level(n, "spectral_bandwidth_hz") == pytest.approx(nyquist / math.sqrt(12), rel=0.03)
    assert level(n, "spectral_rolloff_hz") == pytest.approx(0.85 * nyquist, rel=0.03)
    assert level(n, "zero_crossing_rate") == pytest.approx(0.5, abs=0.01)
    assert n["voiced_ratio"] == 0.0
    assert math.isnan(level(n, "pitch_hz"))


def speech_like(sr: int, seconds: float, rng: np.random.Generator) -> Array:
    """Band-passed noise (300-3400 Hz) gated by a 3 Hz syllable envelope, RMS 0.1."""
    n = round(sr * seconds)
    sos = signal.butter(4, [300, 3400], btype="bandpass", fs=sr, output="sos")
    carrier = signal.sosfilt(sos, rng.standard_normal(n))
    envelope = np.maximum(0.0, np.sin(2 * np.pi * 3.0 * np.arange(n) / sr)) ** 2
    speech = carrier * envelope
    return np.asarray(0.1 * speech / np.sqrt(np.mean(speech**2)), dtype=np.float64)


def test_speech_like_signal_with_noise_at_decreasing_snr(tmp_path: Path) -> None:
    sr = 16000
    rng = np.random.default_rng(2)
    speech = speech_like(sr, 4.0, rng)
    white = rng.standard_normal(speech.size)
    white /= np.sqrt(np.mean(white**2))
    results = []
    for snr in (None, 30.0, 20.0, 10.0, 0.0):
        noisy = speech if snr is None else speech + white * 0.1 / 10 ** (snr / 20)
        f = audio_features(write(tmp_path / f"snr{snr}.wav", noisy, sr))
        assert level(f, "rms") == pytest.approx(float(np.sqrt(np.mean(noisy**2))), rel=1e-9)
        results.append(f)
    rms = [level(f, "rms") for f in results]
    silence = [level(f, "silence_ratio") for f in results]
    assert np.all(np.diff(rms) > 0), rms
    assert np.all(np.diff(silence) <= 0), silence
    assert silence[0] > 0.3  # the envelope is zero for half of each syllable cycle
    assert silence[0] > silence[3]
    assert silence[-1] == 0.0  # noise at -20 dBFS fills every pause above -40 dBFS
    # white noise adds energy above the 3.4 kHz speech band
    assert level(results[-1], "spectral_centroid_hz") > level(results[0], "spectral_centroid_hz")


def test_stereo_levels_on_all_channels_and_spectrum_on_the_mix(tmp_path: Path) -> None:
    sr = 16000
    left = tone(440.0, sr, 1.0, 0.4)
    right = np.random.default_rng(3).normal(0.0, 0.05, left.size)
    stereo = np.column_stack((left, right))
    f = audio_features(write(tmp_path / "stereo.wav", stereo, sr))
    mono = audio_features(write(tmp_path / "mix.wav", (left + right) / 2, sr))
    assert f["channels"] == 2.0
    assert f["duration_s"] == 1.0
    assert level(f, "rms") == pytest.approx(float(np.sqrt(np.mean(stereo**2))), rel=1e-12)
    assert level(f, "peak_dbfs") == pytest.approx(20 * math.log10(np.abs(stereo).max()), abs=1e-12)
    mix_features = [
        "silence_ratio",
        "zero_crossing_rate",
        "spectral_centroid_hz",
        "spectral_bandwidth_hz",
        "spectral_rolloff_hz",
        *[c for c in AUDIO_FEATURE_COLUMNS if c.startswith("mfcc_")],
        "pitch_hz",
        "voiced_ratio",
    ]
    for name in mix_features:
        assert level(f, name) == pytest.approx(level(mono, name), rel=1e-9, abs=1e-12), name


def test_flac_and_wav_of_the_same_samples_give_the_same_features(tmp_path: Path) -> None:
    sr = 22050
    rng = np.random.default_rng(4)
    x = tone(220.0, sr, 2.0, 0.3) + rng.normal(0.0, 0.02, 2 * sr)
    pcm = np.round(x * 32767).astype(np.int16)
    wav = audio_features(write(tmp_path / "a.wav", pcm, sr, "PCM_16"))
    flac = audio_features(write(tmp_path / "a.flac", pcm, sr, "PCM_16"))
    assert (wav["format"], flac["format"]) == ("WAV", "FLAC")
    assert wav["subtype"] == flac["subtype"] == "PCM_16"
    np.testing.assert_allclose(numeric(flac), numeric(wav), rtol=1e-9, atol=1e-12)


def test_ogg_vorbis_is_read(tmp_path: Path) -> None:
    f = audio_features(write(tmp_path / "a.ogg", tone(330.0, 16000, 1.0), 16000, "VORBIS"))
    assert (f["format"], f["subtype"]) == ("OGG", "VORBIS")
    assert level(f, "pitch_hz") == pytest.approx(330.0, rel=0.01)
    assert level(f, "duration_s") == pytest.approx(1.0, abs=0.01)


# --------------------------------------------------------------------------------------------
# Spectral shape and MFCC against an independent, loop-by-loop transcription


def oracle_frames(x: Array, win: int, hop: int) -> list[Array]:
    frames, start = [], 0
    while start + win <= x.size:
        frames.append(x[start : start + win])
        start += hop
    covered = start - hop + win if frames else 0
    if covered < x.size:  # the uncovered tail goes into one last zero-padded frame
        frames.append(np.concatenate((x[start:], np.zeros(win - x[start:].size))))
    return frames


def oracle_mel_filters(sr: int, n_fft: int, n_mels: int) -> Array:
    def mel(hz: float) -> float:
        return 2595 * math.log10(1 + hz / 700)

    def hz(m: float) -> float:
        return 700 * (10 ** (m / 2595) - 1)

    top = mel(sr / 2)
    edges = [hz(top * i / (n_mels + 1)) for i in range(n_mels + 2)]
    filters = np.zeros((n_mels, n_fft // 2 + 1))
    for m in range(n_mels):
        lower, centre, upper = edges[m], edges[m + 1], edges[m + 2]
        for k in range(n_fft // 2 + 1):
            f = k * sr / n_fft
            if lower <= f <= centre:
                filters[m, k] = (f - lower) / (centre - lower)
            elif centre < f <= upper:
                filters[m, k] = (upper - f) / (upper - centre)
    return filters


def oracle_dct_ortho(x: Array, n_out: int) -> Array:
    n = x.size
    out = np.zeros(n_out)
    for k in range(n_out):
        scale = math.sqrt(1 / n) if k == 0 else math.sqrt(2 / n)
        out[k] = scale * sum(x[i] * math.cos(math.pi * k * (2 * i + 1) / (2 * n)) for i in range(n))
    return out


def test_spectral_shape_and_mfcc_match_a_direct_transcription(tmp_path: Path) -> None:
    sr, win, hop, n_fft = 16000, 400, 160, 512
    rng = np.random.default_rng(5)
    x = tone(700.0, sr, 0.5, 0.3) + rng.normal(0.0, 0.05, sr // 2) * np.linspace(0.2, 1, sr // 2)
    f = audio_features(write(tmp_path / "m.wav", x, sr))

    window = np.array([0.5 - 0.5 * math.cos(2 * math.pi * i / win) for i in range(win)])
    filters = oracle_mel_filters(sr, n_fft, 40)
    freqs = np.arange(n_fft // 2 + 1) * sr / n_fft
    shape, coefficients = [], []
    for frame in oracle_frames(x, win, hop):
        spectrum = np.fft.rfft(frame * window, n_fft)
        magnitude = np.abs(spectrum)
        p = magnitude / magnitude.sum()
        centroid = float(np.sum(freqs * p))
        bandwidth = math.sqrt(float(np.sum((freqs - centroid) ** 2 * p)))
        rolloff = freqs[np.nonzero(np.cumsum(p) >= 0.85)[0][0]]
        shape.append((centroid, bandwidth, rolloff))
        log_mel = np.log(np.maximum(filters @ np.abs(spectrum) ** 2, 1e-10))
        coefficients.append(oracle_dct_ortho(log_mel, 13))
    means = np.mean(shape, axis=0)
    names = ("spectral_centroid_hz", "spectral_bandwidth_hz", "spectral_rolloff_hz")
    for name, expected in zip(names, means, strict=True):
        assert level(f, name) == pytest.approx(expected, rel=1e-9), name
    c = np.array(coefficients)
    got_mean = np.array([f[f"mfcc_{k}_mean"] for k in range(13)], dtype=np.float64)
    got_std = np.array([f[f"mfcc_{k}_std"] for k in range(13)], dtype=np.float64)
    np.testing.assert_allclose(got_mean, c.mean(axis=0), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(got_std, c.std(axis=0), rtol=1e-7, atol=1e-9)


def test_mel_filterbank_matches_the_transcription() -> None:
    for sr, n_fft in ((8000, 256), (16000, 512), (44100, 2048)):
        np.testing.assert_allclose(
            audio._mel_filterbank(sr, n_fft), oracle_mel_filters(sr, n_fft, 40), atol=1e-12
        )


def test_doubling_the_amplitude_raises_c0_by_ln4_sqrt_n_mels(tmp_path: Path) -> None:
    sr = 16000
    x = tone(300.0, sr, 1.0, 0.2) + np.random.default_rng(6).normal(0.0, 0.05, sr)
    one = audio_features(write(tmp_path / "one.wav", x, sr))
    two = audio_features(write(tmp_path / "two.wav", 2 * x, sr))
    # power x4 in every mel band; the orthonormal DCT's c0 is the band sum over sqrt(40)
    expected = math.log(4.0) * math.sqrt(40)
    assert level(two, "mfcc_0_mean") - level(one, "mfcc_0_mean") == pytest.approx(expected)
    assert level(two, "rms_dbfs") - level(one, "rms_dbfs") == pytest.approx(20 * math.log10(2))
    for k in range(1, 13):
        assert level(two, f"mfcc_{k}_mean") == pytest.approx(level(one, f"mfcc_{k}_mean"), abs=1e-9)
    for k in range(13):
        assert level(two, f"mfcc_{k}_std") == pytest.approx(level(one, f"mfcc_{k}_std"), abs=1e-9)


# --------------------------------------------------------------------------------------------
# Reading in blocks


@pytest.mark.parametrize("block_hops", [1, 7, 64])
def test_block_size_does_not_change_the_features(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_hops: int
) -> None:
    sr = 8000
    rng = np.random.default_rng(7)
    x = np.concatenate((tone(150.0, sr, 3.0, 0.3), rng.normal(0.0, 0.1, sr), np.zeros(1234)))
    path = write(tmp_path / "long.wav", x, sr)
    whole = audio_features(path)  # 5 s blocks: one block
    monkeypatch.setattr(audio, "BLOCK_HOPS", block_hops)
    streamed = audio_features(path)
    assert streamed["duration_s"] == x.size / sr
    np.testing.assert_allclose(numeric(streamed), numeric(whole), rtol=1e-9, atol=1e-12)


def test_file_shorter_than_a_frame(tmp_path: Path) -> None:
    x = tone(500.0, 16000, 0.005)  # 80 samples, a fifth of a frame
    f = audio_features(write(tmp_path / "short.wav", x, 16000))
    assert f["duration_s"] == 0.005
    assert f["silence_ratio"] == 0.0
    assert math.isfinite(level(f, "spectral_centroid_hz"))


def test_digital_silence_has_no_spectrum(tmp_path: Path) -> None:
    f = audio_features(write(tmp_path / "zeros.wav", np.zeros(8000), 8000))
    assert f["silence_ratio"] == 1.0
    assert f["rms_dbfs"] == f["peak_dbfs"] == -math.inf
    assert f["voiced_ratio"] == 0.0
    for name in ("spectral_centroid_hz", "mfcc_0_mean", "mfcc_0_std", "pitch_hz"):
        assert math.isnan(level(f, name)), name


# --------------------------------------------------------------------------------------------
# Bad files


def bad_files(folder: Path) -> dict[str, tuple[Path, str, str]]:
    """name -> (path, problem, a phrase the detail must hold)."""
    ok = write(folder / "ok.flac", tone(200.0, 16000, 1.0), 16000, "PCM_16")
    garbage = folder / "garbage.wav"
    garbage.write_bytes(np.random.default_rng(8).bytes(4000))
    text = folder / "notes.wav"
    text.write_text("these are notes, not audio\n" * 20)
    empty = folder / "empty.wav"
    empty.write_bytes(b"")
    no_frames = write(folder / "noframes.wav", np.zeros(0), 16000, "PCM_16")
    truncated = folder / "truncated.flac"
    truncated.write_bytes(ok.read_bytes()[: ok.stat().st_size // 2])
    nan = write(folder / "nan.wav", np.array([0.1, np.nan, 0.2] * 100), 16000, "FLOAT")
    return {
        "garbage": (garbage, "unreadable", "Format not recognised"),
        "text": (text, "unreadable", "Format not recognised"),
        "empty": (empty, "empty", "0 bytes"),
        "no frames": (no_frames, "empty", "no audio frames"),
        "truncated": (truncated, "unreadable", "lost sync"),
        "nan": (nan, "unreadable", "NaN or infinite"),
    }


def test_bad_files_raise_named_errors(tmp_path: Path) -> None:
    for name, (path, problem, phrase) in bad_files(tmp_path).items():
        error = EmptyDataError if problem == "empty" else FileFormatError
        with pytest.raises(error, match=phrase) as caught:
            audio_features(path)
        assert str(path) in str(caught.value), name


def test_bad_files_become_problems_in_input_order(tmp_path: Path) -> None:
    bad = bad_files(tmp_path)
    good = [
        write(tmp_path / f"g{i}.wav", tone(150.0 * (i + 1), 16000, 0.5), 16000) for i in range(3)
    ]
    names = list(bad)
    paths = [good[0], bad[names[0]][0], bad[names[1]][0], good[1], bad[names[2]][0]]
    paths += [bad[n][0] for n in names[3:]] + [good[2]]
    rows = [40, 7, 31, 2, 19, 5, 23, 11, 3]
    table, problems = extract_audio_features(paths, rows)
    assert list(table.index) == [40, 2, 3]
    assert table.index.name == "row"
    np.testing.assert_allclose(table["pitch_hz"], [150.0, 300.0, 450.0], rtol=0.01)
    expected = [
        (row, str(path), bad[name][1])
        for row, path, name in zip(
            [7, 31, 19, 5, 23, 11], [bad[n][0] for n in names], names, strict=True
        )
    ]
    assert [(p.row, p.path, p.problem) for p in problems] == expected
    for p in problems:
        assert isinstance(p, FileProblem)
        assert p.path in p.detail


def forged_headers(folder: Path) -> dict[str, tuple[Path, str]]:
    """name -> (a WAV whose header declares what driftscope refuses, a phrase of the detail)."""
    day = int(audio.MAX_DURATION_S)
    return {
        "100 MHz": (forged_wav(folder / "100mhz.wav", 100_000_000), "100,000,000 Hz"),
        "1 GHz": (forged_wav(folder / "1ghz.wav", 1_000_000_000), "1,000,000,000 Hz"),
        "500 Hz": (forged_wav(folder / "500hz.wav", 500), "expected 1,000 to 384,000 Hz"),
        "1000 channels": (forged_wav(folder / "ch.wav", 48_000, channels=1000), "1,000 chan"),
        "25 hours": (
            forged_wav(folder / "long.wav", 1000, size=44 + 1000 * (day + 3600), bits=8),
            "25.0 hours at 1,000 Hz",
        ),
    }


def test_forged_headers_are_refused_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("a sample was decoded")

    forged = forged_headers(tmp_path)
    monkeypatch.setattr(audio, "_settings", no_decoding)
    for name, (path, phrase) in forged.items():
        with pytest.raises(FileFormatError, match=phrase) as caught:
            audio_features(path)
        assert str(path) in str(caught.value), name
    monkeypatch.undo()
    paths = [path for path, _ in forged.values()]
    table, problems = extract_audio_features(paths, list(range(len(paths))))
    assert table.empty
    assert [(p.row, p.problem) for p in problems] == [(i, "unreadable") for i in range(5)]


def test_the_limits_themselves_are_read(tmp_path: Path) -> None:
    x = np.zeros((audio.MIN_SAMPLE_RATE // 10, audio.MAX_CHANNELS))
    f = audio_features(write(tmp_path / "edge.wav", x, audio.MIN_SAMPLE_RATE, "PCM_16"))
    assert (f["sample_rate"], f["channels"]) == (1000.0, 64.0)
    hi = audio_features(write(tmp_path / "hi.wav", tone(440.0, 384_000, 0.1), 384_000))
    assert level(hi, "pitch_hz") == pytest.approx(440.0, rel=0.01)


@pytest.mark.parametrize("limit", ["MAX_BLOCK_SAMPLES", "MAX_PITCH_SAMPLES"])
def test_blocks_bounded_in_samples_give_the_same_features(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str
) -> None:
    sr = 16000
    x = np.stack([tone(220.0, sr, 2.0, 0.3), tone(330.0, sr, 2.0, 0.2)], axis=1)
    path = write(tmp_path / "stereo.wav", x, sr)
    whole = audio_features(path)
    monkeypatch.setattr(audio, limit, 2000)  # a few hops per block
    np.testing.assert_allclose(numeric(audio_features(path)), numeric(whole), rtol=1e-9)


def test_two_workers_equal_one(tmp_path: Path) -> None:
    bad = bad_files(tmp_path)
    rng = np.random.default_rng(9)
    good = [
        write(
            tmp_path / f"w{i}.wav",
            tone(100.0 + 37 * i, 8000, 0.4) + rng.normal(0, 0.01, 3200),
            8000,
        )
        for i in range(5)
    ]
    paths = [good[0], bad["text"][0], good[1], good[2], bad["empty"][0], good[3], good[4]]
    rows = [6, 5, 4, 3, 2, 1, 0]
    serial = extract_audio_features(paths, rows)
    parallel = extract_audio_features(paths, rows, workers=2, chunksize=1)
    pd.testing.assert_frame_equal(parallel[0], serial[0])
    assert parallel[1] == serial[1]
    assert list(serial[0].index) == [6, 4, 3, 1, 0]
    assert [p.row for p in serial[1]] == [5, 2]


def test_workers_come_from_a_fork_server_that_preloads_the_audio_module() -> None:
    # A spawned worker imports numpy, scipy, pandas and soundfile before its first file (about
    # 2 s each); forks of a server that imported them once start in milliseconds.
    if "forkserver" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork server on this platform")
    context = audio._worker_context()
    assert context.get_start_method() == "forkserver"
    assert "driftscope.modalities.audio" in multiprocessing.forkserver._forkserver._preload_modules


def test_workers_are_spawned_where_there_is_no_fork_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert audio._worker_context().get_start_method() == "spawn"


def test_a_worker_runs_one_blas_thread() -> None:
    # In a fresh interpreter, so this test process keeps its own thread pools.
    code = (
        "from threadpoolctl import threadpool_info\n"
        "from driftscope.modalities.audio import _init_worker\n"
        "_init_worker()\n"
        "print(max(pool['num_threads'] for pool in threadpool_info()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "1"


def test_table_columns_and_kinds(tmp_path: Path) -> None:
    table, problems = extract_audio_features(
        [write(tmp_path / "a.wav", tone(200.0, 8000, 0.3), 8000)], [0]
    )
    empty, none = extract_audio_features([], [])
    assert problems == none == []
    for frame in (table, empty):
        assert list(frame.columns) == list(AUDIO_FEATURE_COLUMNS)
        assert all(frame[c].dtype == np.float64 for c in AUDIO_NUMERICAL_FEATURES)
    assert empty.dtypes.equals(table.dtypes)
    kinds = audio_feature_kinds()
    assert list(kinds) == list(AUDIO_FEATURE_COLUMNS)
    assert (
        {c for c, k in kinds.items() if k is ColumnKind.CATEGORICAL}
        == set(AUDIO_CATEGORICAL_FEATURES)
        == {"format", "subtype"}
    )
    assert set(AUDIO_NUMERICAL_FEATURES) | set(AUDIO_CATEGORICAL_FEATURES) == set(
        AUDIO_FEATURE_COLUMNS
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workers": 0}, "'workers' parameter of extract_audio_features must be an int in"),
        ({"chunksize": 1.5}, "'chunksize' parameter"),
        ({"workers": True}, "'workers' parameter"),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        extract_audio_features([], [], **kwargs)  # type: ignore[arg-type]


def test_rows_must_match_paths(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="one row per path"):
        extract_audio_features([tmp_path / "a.wav"], [0, 1])
