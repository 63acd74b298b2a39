"""Workflows: read the inputs, run the analyses, assemble a `Report`; they decide nothing.

`compare` (with `prepare`: data drift), `monitor` (a model), `quality` (`quality_report`: data
quality alone) and `files` (images, audio, text and speech recognition). The public names are
re-exported by `driftscope`.
"""
