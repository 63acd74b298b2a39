"""Page-Hinkley kernel: state and per-value step (`DetectorCore` runs it)."""

from libc.math cimport INFINITY

from driftscope.streaming._core._detector cimport DetectorCore
from driftscope.streaming._core._mode cimport DOWN, UP, as_mode


cdef class PageHinkleyCore(DetectorCore):
    cdef public long long _n
    cdef public double _x_sum
    cdef public double _sum_increase
    cdef public double _sum_decrease
    cdef public double _min_increase
    cdef public double _max_decrease
    cdef long long min_instances_
    cdef double delta_, threshold_, alpha_
    cdef int mode_

    def _configure(self, long long min_instances, double delta, double threshold, double alpha,
                   str mode):
        self.min_instances_ = min_instances
        self.delta_ = delta
        self.threshold_ = threshold
        self.alpha_ = alpha
        self.mode_ = as_mode(mode)

    cdef int restart(self) except -1:
        DetectorCore.restart(self)
        self._n = 0
        self._x_sum = 0.0
        self._sum_increase = 0.0
        self._sum_decrease = 0.0
        self._min_increase = INFINITY
        # River starts the running maximum at -1, not -inf; kept so detections match.
        self._max_decrease = -1.0
        return 0

    cdef int step(self, double x) except -1:
        cdef double dev
        cdef bint up, down
        self._n += 1
        self._x_sum += x
        dev = x - self._x_sum / <double>self._n
        self._sum_increase = (dev - self.delta_) + self.alpha_ * self._sum_increase
        self._sum_decrease = (dev + self.delta_) + self.alpha_ * self._sum_decrease
        if self._sum_increase < self._min_increase:
            self._min_increase = self._sum_increase
        if self._sum_decrease > self._max_decrease:
            self._max_decrease = self._sum_decrease
        if self._n >= self.min_instances_:
            up = self.mode_ != DOWN and self._sum_increase - self._min_increase > self.threshold_
            down = self.mode_ != UP and self._max_decrease - self._sum_decrease > self.threshold_
            self._drift_detected = up or down
        return 0
