"""STEPD kernel: state, a ring buffer of the recent values and the per-value step
(`DetectorCore` runs it)."""

from cpython.mem cimport PyMem_Free, PyMem_Realloc
from libc.math cimport erfc, fabs, sqrt

from statistics import NormalDist

from driftscope.streaming._core._detector cimport DetectorCore

cdef extern from *:
    # Exact products of counts in the one-sided check, as Python's ints would be.
    ctypedef long long int128 "__int128"

cdef double SQRT2 = sqrt(2.0)
#: Slack, in units of the statistic, below the warning quantile where the p-value is not
#: computed: far above any rounding error of `erfc` or of the quantile, so the skipped steps
#: are exactly those whose p-value is at least `alpha_warning`.
cdef double SKIP_SLACK = 1e-3
#: Largest window: twice it still fits in a long long, and no count can reach it.
cdef long long MAX_WINDOW = 1LL << 61


cdef class STEPDCore(DetectorCore):
    cdef public long long _n
    cdef public long long _n_correct
    cdef public long long _recent_correct
    # `_recent`: the last `window_size` values as 1 = correct, 0 = error, in `size` slots of
    # a ring from `head` (oldest). The ring fills from slot 0 and grows as it fills, so a
    # huge window costs memory only once that many values have been seen.
    cdef unsigned char *ring
    cdef long long size, head, capacity
    cdef long long w_
    cdef double alpha_drift_, alpha_warning_, skip_below

    def __dealloc__(self):
        PyMem_Free(self.ring)

    def _configure(self, window_size, double alpha_drift, double alpha_warning):
        self.w_ = min(window_size, MAX_WINDOW)
        self.alpha_drift_ = alpha_drift
        self.alpha_warning_ = alpha_warning
        self.skip_below = -NormalDist().inv_cdf(alpha_warning) - SKIP_SLACK

    cdef int reserve(self, Py_ssize_t count) except -1:
        """Room for `count` more values in the ring."""
        cdef long long need = min(self.w_, self.size + count)
        cdef long long grown
        cdef unsigned char *ring
        if need <= self.capacity:
            return 0
        grown = max(need, min(self.w_, 2 * self.capacity))
        ring = <unsigned char *>PyMem_Realloc(self.ring, <size_t>grown)
        if ring is NULL:
            raise MemoryError()
        self.ring = ring
        self.capacity = grown
        return 0

    @property
    def _recent(self):
        return [self.ring[(self.head + i) % self.w_] for i in range(self.size)]

    @_recent.setter
    def _recent(self, values):
        cdef list kept = [int(v) for v in values][-self.w_:]
        cdef Py_ssize_t i
        self.size = 0
        self.head = 0
        self.reserve(len(kept))
        for i in range(len(kept)):
            self.ring[i] = kept[i]
        self.size = len(kept)

    cdef int restart(self) except -1:
        DetectorCore.restart(self)
        self._n = 0  # values since the start or the last drift
        self._n_correct = 0  # correct predictions among them
        self.size = 0
        self.head = 0
        self._recent_correct = 0
        return 0

    cdef int step(self, double x) except -1:
        cdef long long w = self.w_
        cdef long long n_o, r_r, r_o
        cdef unsigned char correct = x == 0.0
        cdef double inv, p_hat, statistic, p
        if self.size == self.capacity and self.size < w:
            self.reserve(1)  # before any change: out of memory, the state stays whole
        self._n += 1
        self._n_correct += correct
        if self.size == w:
            self._recent_correct -= self.ring[self.head]
            self.ring[self.head] = correct
            self.head += 1
            if self.head == w:
                self.head = 0
        else:
            self.ring[self.size] = correct
            self.size += 1
        self._recent_correct += correct
        self._warning_detected = False
        if self._n < 2 * w:
            return 0
        n_o, r_r = self._n - w, self._recent_correct
        r_o = self._n_correct - r_r
        if <int128>r_o * w <= <int128>r_r * n_o:  # recent accuracy not lower: p = 1
            return 0
        inv = 1.0 / <double>n_o + 1.0 / <double>w
        p_hat = <double>self._n_correct / <double>self._n
        statistic = ((fabs(<double>r_o / <double>n_o - <double>r_r / <double>w) - 0.5 * inv)
                     / sqrt(p_hat * (1.0 - p_hat) * inv))
        if statistic <= self.skip_below:  # p >= alpha_warning: neither warning nor drift
            return 0
        # P(Z > T), as Python's 0.5 * math.erfc(T / sqrt(2)) with the same libm erfc.
        p = 0.5 * erfc(statistic / SQRT2)
        if p < self.alpha_drift_:
            self._drift_detected = True
        else:
            self._warning_detected = p < self.alpha_warning_
        return 0
