"""HDDM_A and HDDM_W kernels: state and per-value step (`DetectorCore` runs them)."""

from libc.math cimport INFINITY, log, pow, sqrt

from driftscope.streaming._core._detector cimport DetectorCore


cdef class HDDMACore(DetectorCore):
    # The whole stream since the last drift, and the two cut points (as counts of values and
    # of errors; 0 values means not set yet).
    cdef public long long _n
    cdef public long long _n_errors
    cdef public long long _n_min
    cdef public long long _n_errors_min
    cdef public long long _n_max
    cdef public long long _n_errors_max
    cdef double log_cut_, log_drift_, log_warning_
    cdef bint two_sided_test_

    def _configure(self, double drift_confidence, double warning_confidence,
                   bint two_sided_test):
        self.log_cut_ = log(1.0 / drift_confidence)
        self.log_drift_ = log(2.0 / drift_confidence)
        self.log_warning_ = log(2.0 / warning_confidence)
        self.two_sided_test_ = two_sided_test

    cdef int restart(self) except -1:
        DetectorCore.restart(self)
        self._n = 0
        self._n_errors = 0
        self._n_min = 0
        self._n_errors_min = 0
        self._n_max = 0
        self._n_errors_max = 0
        return 0

    cdef inline double bound(self, long long n) noexcept:
        return sqrt(1.0 / <double>(2 * n) * self.log_cut_)

    cdef inline bint changed(self, long long n_cut, double mean_cut, double log_term,
                             bint rise) noexcept:
        cdef double m, eps, mean
        if n_cut == self._n:
            return False
        m = <double>(self._n - n_cut) / <double>n_cut * (1.0 / <double>self._n)
        eps = sqrt(m / 2.0 * log_term)
        mean = <double>self._n_errors / <double>self._n
        return ((mean - mean_cut) if rise else (mean_cut - mean)) >= eps

    cdef int step(self, double x) except -1:
        cdef double mean, eps, mean_min, mean_max
        cdef bint drift, warning, fall_drift, fall_warning
        self._n += 1
        self._n_errors += x == 1.0
        mean = <double>self._n_errors / <double>self._n
        eps = self.bound(self._n)
        if self._n_min == 0 or (
            <double>self._n_errors_min / <double>self._n_min + self.bound(self._n_min)
            >= mean + eps
        ):
            self._n_min = self._n
            self._n_errors_min = self._n_errors
        if self._n_max == 0 or (
            <double>self._n_errors_max / <double>self._n_max - self.bound(self._n_max)
            <= mean - eps
        ):
            self._n_max = self._n
            self._n_errors_max = self._n_errors

        mean_min = <double>self._n_errors_min / <double>self._n_min
        drift = self.changed(self._n_min, mean_min, self.log_drift_, True)
        warning = not drift and self.changed(self._n_min, mean_min, self.log_warning_, True)
        if self.two_sided_test_:
            mean_max = <double>self._n_errors_max / <double>self._n_max
            fall_drift = self.changed(self._n_max, mean_max, self.log_drift_, False)
            fall_warning = not fall_drift and self.changed(
                self._n_max, mean_max, self.log_warning_, False
            )
            drift, warning = drift or fall_drift, warning or fall_warning
        self._drift_detected = drift
        self._warning_detected = warning
        return 0


cdef struct Sample:
    double mean  # the exponentially weighted moving average
    double ibc  # the independent bound condition
    long long n  # values seen


cdef inline Sample empty_sample() noexcept:
    cdef Sample s
    s.mean = 0.0
    s.ibc = 1.0
    s.n = 0
    return s


cdef inline list sample_to_list(Sample s):
    return [s.mean, s.ibc, s.n]


cdef inline Sample sample_from_list(object value) except *:
    cdef Sample s
    mean, ibc, n = value
    s.mean = mean
    s.ibc = ibc
    s.n = n
    return s


cdef inline bint mcdiarmid_changed(const Sample* before, const Sample* after,
                                  double log_term) noexcept:
    """Whether the average rose from ``before`` to ``after`` beyond McDiarmid's bound."""
    if before.n == 0 or after.n == 0:
        return False
    return after.mean - before.mean > sqrt((before.ibc + after.ibc) * log_term / 2.0)


cdef enum:
    # Indices of HDDMWCore.samples.
    TOTAL, S1_INCR, S2_INCR, S1_DECR, S2_DECR


cdef class HDDMWCore(DetectorCore):
    cdef public double _incr_cutpoint
    cdef public double _decr_cutpoint
    cdef Sample samples[5]
    cdef double lambda_val_, lambda_sq_, c_lambda_sq_, log_drift_, log_warning_
    cdef bint two_sided_test_

    def _configure(self, double drift_confidence, double warning_confidence, double lambda_val,
                   bint two_sided_test):
        self.lambda_val_ = lambda_val
        self.lambda_sq_ = lambda_val * lambda_val
        self.c_lambda_sq_ = pow(1.0 - lambda_val, 2.0)
        self.log_drift_ = log(1.0 / drift_confidence)
        self.log_warning_ = log(1.0 / warning_confidence)
        self.two_sided_test_ = two_sided_test

    _total = SampleField(TOTAL)
    _s1_incr = SampleField(S1_INCR)
    _s2_incr = SampleField(S2_INCR)
    _s1_decr = SampleField(S1_DECR)
    _s2_decr = SampleField(S2_DECR)

    cdef int restart(self) except -1:
        cdef int i
        DetectorCore.restart(self)
        for i in range(5):
            self.samples[i] = empty_sample()
        self._incr_cutpoint = INFINITY
        self._decr_cutpoint = -INFINITY
        return 0

    cdef inline void add(self, Sample* s, double x) noexcept:
        s.mean = x if s.n == 0 else self.lambda_val_ * x + (1.0 - self.lambda_val_) * s.mean
        s.ibc = self.lambda_sq_ + self.c_lambda_sq_ * s.ibc
        s.n += 1

    cdef int step(self, double x) except -1:
        cdef double eps
        cdef bint drift, warning
        cdef Sample* total = &self.samples[TOTAL]
        cdef Sample* s1_incr = &self.samples[S1_INCR]
        cdef Sample* s2_incr = &self.samples[S2_INCR]
        cdef Sample* s1_decr = &self.samples[S1_DECR]
        cdef Sample* s2_decr = &self.samples[S2_DECR]
        self.add(total, x)
        eps = sqrt(total.ibc * self.log_drift_ / 2.0)

        if total.mean + eps < self._incr_cutpoint:
            self._incr_cutpoint = total.mean + eps
            s1_incr[0] = total[0]
            s2_incr[0] = empty_sample()
        else:
            self.add(s2_incr, x)
        drift = mcdiarmid_changed(s1_incr, s2_incr, self.log_drift_)
        warning = not drift and mcdiarmid_changed(s1_incr, s2_incr, self.log_warning_)

        if total.mean - eps > self._decr_cutpoint:
            self._decr_cutpoint = total.mean - eps
            s1_decr[0] = total[0]
            s2_decr[0] = empty_sample()
        else:
            self.add(s2_decr, x)
        if self.two_sided_test_:
            if mcdiarmid_changed(s2_decr, s1_decr, self.log_drift_):
                drift = True
            elif mcdiarmid_changed(s2_decr, s1_decr, self.log_warning_):
                warning = True
        self._drift_detected = drift
        self._warning_detected = warning
        return 0


cdef class SampleField:
    """One of HDDMWCore's samples in the state: [moving average, independent bound condition,
    values seen]."""
    cdef int index

    def __init__(self, int index):
        self.index = index

    def __get__(self, HDDMWCore core, owner):
        if core is None:
            return self
        return sample_to_list(core.samples[self.index])

    def __set__(self, HDDMWCore core not None, value):
        core.samples[self.index] = sample_from_list(value)
