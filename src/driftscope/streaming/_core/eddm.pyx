"""EDDM kernel: state and per-value step (`DetectorCore` runs it)."""

from libc.limits cimport LLONG_MAX
from libc.math cimport sqrt

from driftscope.streaming._core._detector cimport DetectorCore

cdef extern from *:
    # Exact integer sums, as Python's ints would be: the sum of squared distances and the
    # products in the variance pass 2**63 on streams of a few billion values.
    ctypedef long long int128 "__int128"


cdef class EDDMCore(DetectorCore):
    cdef public long long _n
    cdef public long long _n_errors
    cdef public long long _last_error
    cdef public long long _distance_sum
    cdef int128 square_sum
    cdef public double _p2s_max
    cdef long long warm_start_
    cdef double alpha_, beta_

    def _configure(self, warm_start, double alpha, double beta):
        # A warm start no count can pass acts like LLONG_MAX.
        self.warm_start_ = min(warm_start, LLONG_MAX)
        self.alpha_ = alpha
        self.beta_ = beta

    @property
    def _distance_square_sum(self):
        return (int(<long long>(self.square_sum >> 64)) << 64) + int(
            <unsigned long long>self.square_sum)

    @_distance_square_sum.setter
    def _distance_square_sum(self, value):
        value = int(value)
        self.square_sum = (<int128><long long>(value >> 64) << 64) + <int128>(
            <unsigned long long>(value & 0xFFFFFFFFFFFFFFFF))

    cdef int restart(self) except -1:
        DetectorCore.restart(self)
        self._n = 0
        self._n_errors = 0
        self._last_error = 0  # position (1-based, since the restart) of the last error
        # Exact integer sums of the distances between errors and of their squares.
        self._distance_sum = 0
        self.square_sum = 0
        self._p2s_max = -1.0
        return 0

    cdef int step(self, double x) except -1:
        self._n += 1
        if x == 1.0:
            self.error()
        return 0

    cdef inline void error(self) noexcept:
        cdef long long n, s1, distance
        cdef int128 s2
        cdef double mean, var, p2s, level
        self._n_errors += 1
        distance = self._n - self._last_error
        self._distance_sum += distance
        self.square_sum += <int128>distance * distance
        self._last_error = self._n
        if self._n <= self.warm_start_:
            return
        n, s1, s2 = self._n_errors, self._distance_sum, self.square_sum
        mean = <double>s1 / <double>n
        # Each integer rounded once to a double, as Python's float(int) does.
        var = <double>(n * s2 - <int128>s1 * s1) / <double>(<int128>n * (n - 1)) if n > 1 else 0.0
        p2s = mean + 2.0 * sqrt(var)
        if p2s > self._p2s_max:
            self._p2s_max = p2s
        elif self._n_errors > self.warm_start_:
            level = p2s / self._p2s_max
            if level < self.beta_:
                self._drift_detected = True
            else:
                self._warning_detected = level < self.alpha_
