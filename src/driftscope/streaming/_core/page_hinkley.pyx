"""Page-Hinkley kernel: state, per-value update and the `update_many` loop."""

from libc.math cimport INFINITY

from driftscope.streaming._core._values cimport as_value, as_values

cdef enum Mode:
    UP, DOWN, BOTH


cdef class PageHinkleyCore:
    cdef public long long _n_seen
    cdef public bint _drift_detected
    cdef public bint _warning_detected
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
        self.mode_ = UP if mode == "up" else DOWN if mode == "down" else BOTH

    def _restart(self):
        """Fresh test statistics; `n_seen` keeps counting."""
        self.restart()

    cdef inline void restart(self) noexcept:
        self._drift_detected = False
        self._n = 0
        self._x_sum = 0.0
        self._sum_increase = 0.0
        self._sum_decrease = 0.0
        self._min_increase = INFINITY
        # River starts the running maximum at -1, not -inf; kept so detections match.
        self._max_decrease = -1.0

    cdef inline bint step(self, double x) noexcept:
        cdef double dev
        cdef bint up, down
        if self._drift_detected:
            self.restart()
        self._n_seen += 1
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
        return self._drift_detected

    def update(self, x):
        """Add one value; `drift_detected` tells whether the test fired on it."""
        self.step(as_value(x, self, False))

    def update_many(self, values):
        """Process a whole array; the same detections and final state as `update` per value."""
        cdef const double[::1] a = as_values(self, values, False)
        cdef Py_ssize_t i
        drifts = []
        for i in range(a.shape[0]):
            if self.step(a[i]):
                drifts.append(i)
        return self._detections((), drifts)
