"""Workflows: read the inputs, run the analyses, assemble a `Report`; they decide nothing.

`compare` and `prepare` (data drift), `monitor` and `quality_report` (a model), and `files` (images,
audio, text and speech recognition). The public names are re-exported by `driftscope`.
"""
