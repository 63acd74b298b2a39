"""The speech demo: a banking voice assistant's speech recognizer, monitored from its
transcripts (what was said, checked by a person, beside what the recognizer heard; no audio and
no model are needed to measure the word error rate).

Requests are written from templates; the recognizer's output is the utterance with words
swapped for ones that sound alike ("balance" heard as "ballots"), dropped, or with a filler
inserted, at a rate that depends on where the caller speaks from: the app (4% of the words) and
smart speakers (7%). From week 4 calls also come through a new telephone line, narrowband and
noisy (22% of the words wrong), at 35%, then 50%, then 65% of the calls: the WER rises.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from driftscope.demo._data import (
    SHIFT_FROM_WEEK,
    WEEKS,
    DemoData,
    DemoModel,
    rows,
    weekly,
    zipped,
)

__all__ = ["SPEECH"]

REQUESTS = (
    "check the balance of my {account} account",
    "transfer {amount} pounds to my {account} account",
    "block my {card} card",
    "report my {card} card as lost",
    "pay my {bill} bill of {amount} pounds",
    "send me the statement for {month}",
    "tell me when my next {bill} payment is due",
    "open a new {account} account",
    "show how much i spent in {month}",
    "talk to an agent about my {card} card",
    "change the address on my {account} account",
    "raise the limit of my {card} card to {amount} pounds",
)
OPENINGS = ("", "please", "hey assistant", "can you", "i would like to", "i want to")
CLOSINGS = ("", "", "please", "right now", "thanks", "today")
SLOTS = {
    "account": ("savings", "current", "joint", "business", "student"),
    "card": ("debit", "credit", "travel", "business"),
    "bill": ("phone", "electricity", "water", "gas", "internet"),
    "month": ("january", "march", "june", "august", "october", "december"),
    "amount": ("twenty", "fifty", "two hundred", "four hundred", "eighty", "one thousand"),
}
#: Words the recognizer mistakes for others that sound alike.
SOUNDS_LIKE = {
    "balance": "ballots",
    "transfer": "transit",
    "four": "for",
    "two": "to",
    "eighty": "eighteen",
    "card": "car",
    "account": "count",
    "pay": "play",
    "bill": "pill",
    "block": "lock",
    "statement": "settlement",
    "savings": "saving",
    "debit": "credit",
    "limit": "lemon",
    "address": "a dress",
    "agent": "age",
    "march": "much",
    "june": "jun",
    "gas": "glass",
}
FILLERS = ("uh", "um", "the", "a")
#: Where calls come from: share in the reference, share of words the recognizer gets wrong,
#: and the signal-to-noise ratio (dB) of the audio.
CHANNELS = {"app": (0.7, 0.04, 24.0), "smart speaker": (0.3, 0.07, 18.0)}
PHONE = ("phone line", 0.22, 8.0)
PHONE_SHARE = {4: 0.35, 5: 0.5, 6: 0.65}
ROWS_PER_WEEK = 250


def _said(rng: np.random.Generator) -> str:
    request = str(rng.choice(REQUESTS))
    request = request.format(**{slot: str(rng.choice(words)) for slot, words in SLOTS.items()})
    return " ".join(p for p in (rng.choice(OPENINGS), request, rng.choice(CLOSINGS)) if p)


def _heard(rng: np.random.Generator, said: str, error_rate: float) -> str:
    """``said`` as the recognizer hears it: each word wrong with probability ``error_rate``
    (swapped for a word that sounds alike or a filler 60% of the time, dropped 25%, followed
    by an inserted filler 15%)."""
    heard: list[str] = []
    for word in said.split():
        if rng.uniform() >= error_rate:
            heard.append(word)
            continue
        kind = rng.uniform()
        if kind < 0.6:
            heard.append(SOUNDS_LIKE.get(word, str(rng.choice(FILLERS))))
        elif kind >= 0.85:
            heard.extend([word, str(rng.choice(FILLERS))])
    return " ".join(heard)


def _calls(rng: np.random.Generator, n: int, phone_share: float) -> pd.DataFrame:
    names = [*CHANNELS, PHONE[0]]
    settings = {**CHANNELS, PHONE[0]: PHONE[1:]}
    shares = [share * (1 - phone_share) for share, _, _ in CHANNELS.values()] + [phone_share]
    channel = rng.choice(np.array(names, dtype=object), n, p=shares)
    said = [_said(rng) for _ in range(n)]
    error = np.array([settings[c][-2] for c in channel])
    snr = np.array([settings[c][-1] for c in channel]) + rng.normal(0, 3, n)
    words = np.array([len(s.split()) for s in said])
    return pd.DataFrame(
        {
            "transcript": said,
            "recognized": [_heard(rng, s, e) for s, e in zip(said, error, strict=True)],
            "channel": channel,
            "duration_s": (words * 0.38 + rng.gamma(4, 0.15, n)).round(2),
            "snr_db": snr.round(1),
        }
    )


def _zip_of(table: pd.DataFrame) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        table.to_csv(Path(folder) / "calls.csv", index=False)
        return zipped(Path(folder))


def _speech(size: float, seed: int = 4) -> DemoData:
    rng = np.random.default_rng(seed)
    baseline = _calls(rng, 300, 0.0)
    files = []
    n = rows(ROWS_PER_WEEK, size)
    for week in range(1, WEEKS + 1):
        calls = _calls(rng, n, PHONE_SHARE[week] if week >= SHIFT_FROM_WEEK else 0.0)
        files.append(_zip_of(calls))
    return DemoData(
        ("baseline.zip", _zip_of(baseline)),
        weekly(files, ".zip"),
        target="transcript",
        prediction="recognized",
        benchmarks={"wer": 0.1},
    )


SPEECH = DemoModel(
    "voice-assistant-asr",
    "speech_recognition",
    "Speech recognition for a banking voice assistant, checked on transcripts. From week 4 "
    "calls also come through a new narrowband, noisy telephone line and the word error rate "
    "rises.",
    _speech,
)
