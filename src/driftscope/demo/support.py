"""The support demo: an intent classifier of customer support messages, written from templates
(no download), when a recalled blender sends refund requests from 12% of the messages to half.

The model is a TF-IDF and logistic regression pipeline fitted on 1,200 generated messages; the
baseline is 600 others with the model's predictions and class probabilities. Weeks 1-3 keep the
baseline's mix of intents. From week 4 a blender is recalled: refund requests grow to 30%, 42%
and then 50% of the messages, most of them about the blender, some in words the model never
saw ("recall", "money back").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from driftscope.demo._data import (
    SHIFT_FROM_WEEK,
    WEEKS,
    DemoData,
    DemoModel,
    parquet,
    rows,
    weekly,
)

__all__ = ["SUPPORT"]

PRODUCTS = ("kettle", "toaster", "blender", "headphones", "desk lamp", "backpack", "coffee grinder")
TEMPLATES = {
    "refund": (
        "I want a refund for my {product}",
        "please refund order {order}, the {product} stopped working",
        "the {product} arrived broken and I would like my money returned",
        "how do I return the {product} and get a refund",
        "can I get a refund for order {order}",
    ),
    "order_status": (
        "where is my order {order}",
        "what is the status of order {order}",
        "has my {product} shipped yet",
        "can you tell me when order {order} will ship",
        "I ordered a {product} last week, any update",
    ),
    "delivery_problem": (
        "the courier left my {product} at the wrong address",
        "order {order} says delivered but nothing arrived",
        "my parcel with the {product} is stuck in transit",
        "the delivery of order {order} is late again",
        "the box was left outside in the rain",
    ),
    "account_access": (
        "I cannot log in to my account",
        "the password reset email never arrives",
        "my account is locked after too many attempts",
        "how do I change the email on my account",
        "two factor code is not working",
    ),
    "billing": (
        "I was charged twice for order {order}",
        "why is there an extra fee on my invoice",
        "please send me an invoice for order {order}",
        "my card was declined but the money left my account",
        "the discount code was not applied to my {product}",
    ),
    "product_question": (
        "does the {product} come with a warranty",
        "is the {product} available in black",
        "what is the power rating of the {product}",
        "can the {product} be used abroad",
        "how long does the battery of the {product} last",
    ),
}
#: Messages about the recall: refunds the training data never phrased this way.
RECALL = (
    "my blender is part of the recall, I want my money back",
    "saw the blender recall notice, refund order {order} please",
    "the blender recall says to stop using it, how do I get a refund",
    "blender from order {order} is recalled, please refund",
)
OPENINGS = ("", "", "hi, ", "hello, ", "good morning, ", "hey team, ")
CLOSINGS = ("", "", " thanks", " thank you", " asap please", "!")
CHANNELS = ("email", "chat", "web form")
INTENTS = tuple(TEMPLATES)
#: The reference's mix of intents, and the share of refunds in weeks 4-6.
MIX = {
    "refund": 0.12,
    "order_status": 0.26,
    "delivery_problem": 0.18,
    "account_access": 0.14,
    "billing": 0.14,
    "product_question": 0.16,
}
REFUND_SHARE = {4: 0.30, 5: 0.42, 6: 0.50}
ROWS_PER_WEEK = 400


def _messages(
    rng: np.random.Generator, intents: np.ndarray, recall_share: float = 0.0
) -> list[str]:
    """A message per intent: a template with a product and an order number, an opening and a
    closing; a refund is about the recall with probability ``recall_share``."""
    texts = []
    for intent in intents:
        if intent == "refund" and rng.uniform() < recall_share:
            body = str(rng.choice(RECALL))
            product = "blender"
        else:
            body = str(rng.choice(TEMPLATES[intent]))
            product = str(rng.choice(PRODUCTS))
        text = body.format(product=product, order=rng.integers(100_000, 999_999))
        texts.append(f"{rng.choice(OPENINGS)}{text}{rng.choice(CLOSINGS)}")
    return texts


def _draw(rng: np.random.Generator, n: int, refund: float) -> np.ndarray:
    """``n`` intents, refunds at share ``refund`` and the others in the reference's
    proportions."""
    others = {k: v for k, v in MIX.items() if k != "refund"}
    scale = (1 - refund) / sum(others.values())
    shares = np.array([refund if k == "refund" else others[k] * scale for k in INTENTS])
    return rng.choice(np.array(INTENTS, dtype=object), n, p=shares)


def _worded(rng: np.random.Generator, intents: np.ndarray) -> np.ndarray:
    """What each message reads like: its intent, but for one in fifteen that reads like
    another (a customer does not always say what they need), so the model is good, not
    perfect."""
    other = rng.choice(np.array(INTENTS, dtype=object), len(intents))
    return np.where(rng.uniform(size=len(intents)) < 1 / 15, other, intents)


def _support(size: float, seed: int = 1) -> DemoData:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    rng = np.random.default_rng(seed)
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2), LogisticRegression(max_iter=1000, C=3.0)
    )
    train_intents = _draw(rng, 1200, MIX["refund"])
    model.fit(_messages(rng, _worded(rng, train_intents)), train_intents)

    def frame(intents: np.ndarray, recall_share: float) -> pd.DataFrame:
        texts = _messages(rng, _worded(rng, intents), recall_share)
        proba = model.predict_proba(texts)
        classes = model.classes_
        out = pd.DataFrame({"message": texts, "channel": rng.choice(CHANNELS, len(texts))})
        out["predicted_intent"] = classes[np.argmax(proba, axis=1)]
        for j, label in enumerate(classes):
            out[f"proba_{label}"] = proba[:, j].round(4)
        out["intent"] = intents
        return out

    baseline = frame(_draw(rng, 600, MIX["refund"]), 0.0)
    files = []
    n = rows(ROWS_PER_WEEK, size)
    for week in range(1, WEEKS + 1):
        shifted = week >= SHIFT_FROM_WEEK
        intents = _draw(rng, n, REFUND_SHARE[week] if shifted else MIX["refund"])
        files.append(parquet(frame(intents, 0.6 if shifted else 0.0)))
    return DemoData(
        ("baseline.parquet", parquet(baseline)),
        weekly(files, ".parquet"),
        target="intent",
        prediction="predicted_intent",
        proba_prefix="proba_",
        benchmarks={"accuracy": 0.85},
    )


SUPPORT = DemoModel(
    "support-intents",
    "text_classification",
    "Routes customer support messages to one of six intents. From week 4 a blender is "
    "recalled and refund requests grow from 12% of the messages to half, many in words the "
    "model never saw.",
    _support,
)
