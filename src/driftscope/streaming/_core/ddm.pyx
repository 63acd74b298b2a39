"""DDM kernel: state, per-value update and the `update_many` loop."""

from libc.limits cimport LLONG_MAX
from libc.math cimport INFINITY, sqrt

from driftscope.streaming._core._values cimport as_value, as_values


cdef class DDMCore:
    cdef public long long _n_seen
    cdef public bint _drift_detected
    cdef public bint _warning_detected
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

    def _restart(self):
        """Fresh statistics; `n_seen` keeps counting."""
        self.restart()

    cdef inline void restart(self) noexcept:
        self._drift_detected = False
        self._warning_detected = False
        self._n = 0
        self._n_errors = 0
        # p_min and s_min are read only after the first update past the warm start, which
        # always sets them, since p + s <= inf.
        self._p_min = INFINITY
        self._s_min = INFINITY
        self._ps_min = INFINITY

    cdef inline bint step(self, double x) noexcept:
        cdef double p, s
        if self._drift_detected:
            self.restart()
        self._n_seen += 1
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
        return self._drift_detected

    def update(self, x):
        """Take one value of the error stream (1 = error, 0 = correct)."""
        self.step(as_value(x, self, True))

    def update_many(self, values):
        """Process a whole array; the same detections and final state as `update` per value."""
        cdef const double[::1] a = as_values(self, values, True)
        cdef Py_ssize_t i
        warnings = []
        drifts = []
        for i in range(a.shape[0]):
            if self.step(a[i]):
                drifts.append(i)
            elif self._warning_detected:
                warnings.append(i)
        return self._detections(warnings, drifts)
