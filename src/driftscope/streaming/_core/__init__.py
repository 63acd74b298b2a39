"""Compiled kernels of the streaming detectors (Cython, built by setup.py).

Each ``<detector>.pyx`` holds one ``cdef class`` with the detector's state as C fields, its
per-value ``update`` and its ``update_many`` loop. The public detector class in
``driftscope.streaming`` inherits from it and adds the settings, their validation, the docs and
the persistence protocol. State fields are ``public`` so that `DriftDetector.state_dict` reads
and writes them by name.
"""
