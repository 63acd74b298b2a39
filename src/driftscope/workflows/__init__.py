"""Workflows: read the inputs, run the analyses, assemble a `Report`; they decide nothing.

`compare` (with `prepare`: data drift), `monitor` (a model), `quality` (`quality_report`: data
quality alone), and one module per modality: `images` (`compare_images`, `monitor_images`),
`audio` (`compare_audio`), `text` (`compare_text`) and `asr` (`monitor_asr`), over the file
plumbing they share in `_files`. The public names are re-exported by `driftscope`.
"""
