"""Compiled kernels of the streaming detectors (Cython, built by setup.py).

Each ``<detector>.pyx`` holds one ``cdef class`` with the detector's state as C fields and its
per-value update; the DDM, EDDM, HDDM, STEPD, CUSUM and Page-Hinkley kernels derive from
``_detector.DetectorCore``, which holds the flags and runs their ``step`` in ``update`` and the
``update_many`` loop (ADWIN and KSWIN keep their own). The public detector class in
``driftscope.streaming`` inherits from it and adds the settings, their validation, the docs and
the persistence protocol. State fields are ``public`` so that `DriftDetector.state_dict` reads
and writes them by name.
"""
