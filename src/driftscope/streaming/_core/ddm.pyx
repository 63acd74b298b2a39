"""DDM kernel: state and per-value step (`DetectorCore` runs it)."""

from libc.limits cimport LLONG_MAX
from libc.math cimport INFINITY, sqrt

from driftscope.streaming._core._detector cimport DetectorCore


cdef class DDMCore(DetectorCore):
    cdef public long long _n
    cdef public long long _n_errors
    cdef public double _p_min
    cdef public double _s_min
    cdef public double _ps_min
    cdef long long warm_start_
    cdef double warning_threshold_, drift_threshold_

    def _configure(self, warm_start, double warning_threshold, double drift_threshold):
        # A warm start no count can pass acts like LLONG_MAX.
        self.warm_start_ = min(warm_start, LLONG_MAX)
        self.warning_threshold_ = warning_threshold
        self.drift_threshold_ = drift_threshold

    cdef int restart(self) except -1:
        DetectorCore.restart(self)
        self._n = 0
        self._n_errors = 0
        # p_min and s_min are read only after the first update past the warm start, which
        # always sets them, since p + s <= inf.
        self._p_min = INFINITY
        self._s_min = INFINITY
        self._ps_min = INFINITY
        return 0

    cdef int step(self, double x) except -1:
        cdef double p, s
        self._n += 1
        self._n_errors += x == 1.0
        p = <double>self._n_errors / <double>self._n
        s = sqrt(p * (1.0 - p) / <double>self._n)
        if self._n > self.warm_start_:
            if p + s <= self._ps_min:
                self._p_min = p
                self._s_min = s
                self._ps_min = p + s
            self._warning_detected = p + s > self._p_min + self.warning_threshold_ * self._s_min
            if p + s > self._p_min + self.drift_threshold_ * self._s_min:
                self._drift_detected = True
                self._warning_detected = False
        return 0
