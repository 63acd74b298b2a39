"""The base of the kernels that take one value at a time: the flags and count every detector
keeps, and the `update` and `update_many` that run a kernel's `step` over the values.

A kernel overrides `restart` (fresh statistics, as after a drift) and `step` (take one value
into the statistics and set the flags). `step` is called through the class's table of C
methods, in a C loop for `update_many`: within a few percent of the inlined call it replaced
(benchmarks/RESULTS.md); a single `update` pays about 4 ns more per value for the indirect call.
"""

from cpython.mem cimport PyMem_Free, PyMem_Realloc
from libc.string cimport memcpy

import numpy as np

from driftscope.streaming._base import Detections

from driftscope.streaming._core._values cimport as_value, as_values


cdef struct Positions:
    # Positions in the values of `update_many`, in a C array that doubles when full: a warning
    # can be on a large share of the values.
    long long* at
    Py_ssize_t n
    Py_ssize_t capacity


cdef inline int add(Positions* p, Py_ssize_t i) except -1:
    cdef long long* grown
    if p.n == p.capacity:
        grown = <long long*>PyMem_Realloc(p.at, 2 * max(p.capacity, 32) * sizeof(long long))
        if grown == NULL:
            raise MemoryError()
        p.at = grown
        p.capacity = 2 * max(p.capacity, 32)
    p.at[p.n] = i
    p.n += 1
    return 0


cdef object as_array(const Positions* p):
    out = np.empty(p.n, np.int64)
    cdef long long[::1] view = out
    if p.n:
        memcpy(&view[0], p.at, p.n * sizeof(long long))
    return out


cdef class DetectorCore:

    def __cinit__(self):
        self.binary = type(self).binary_input

    def _restart(self):
        """Fresh statistics, as after a drift; `n_seen` keeps counting."""
        self.restart()

    cdef int restart(self) except -1:
        self._drift_detected = False
        self._warning_detected = False
        return 0

    cdef int step(self, double x) except -1:
        raise NotImplementedError

    def update(self, x):
        """Take one value (of an error stream: 1 = error, 0 = correct); `drift_detected` and
        `warning_detected` then say what it signalled."""
        cdef double v = as_value(x, self, self.binary)
        if self._drift_detected:
            self.restart()
        self._n_seen += 1
        self.step(v)

    def update_many(self, values):
        """Process a whole array; the same detections and final state as `update` per value."""
        cdef const double[::1] a = as_values(self, values, self.binary)
        cdef Py_ssize_t i
        cdef Positions warnings = Positions(NULL, 0, 0)
        cdef Positions drifts = Positions(NULL, 0, 0)
        try:
            for i in range(a.shape[0]):
                if self._drift_detected:
                    self.restart()
                self._n_seen += 1
                self.step(a[i])
                if self._warning_detected:
                    add(&warnings, i)
                if self._drift_detected:
                    add(&drifts, i)
            return Detections(as_array(&warnings), as_array(&drifts))
        finally:
            PyMem_Free(warnings.at)
            PyMem_Free(drifts.at)
