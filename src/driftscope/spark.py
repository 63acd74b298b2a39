"""Profiles of Spark DataFrames (extra ``spark``): `profile` and `infer_schema`.

``import driftscope.spark`` needs pyspark and Java 17 or later; without pyspark it says how to
install them. See docs/profiles.md, "Spark".
"""

from driftscope.integrations.spark import infer_schema, profile

__all__ = ["infer_schema", "profile"]
