"""Spark DataFrames (extra ``spark``): `profile` and `infer_schema`; `compare` and `monitor`
through profiles.

``import driftscope.spark`` needs pyspark and Java 17 or later; without pyspark it says how to
install them. See docs/profiles.md, "Spark".
"""

from driftscope.integrations.spark import compare, infer_schema, monitor, profile

__all__ = ["compare", "infer_schema", "monitor", "profile"]
