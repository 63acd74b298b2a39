"""CUSUM kernel: state and per-value step (`DetectorCore` runs it)."""

from cpython.mem cimport PyMem_Free, PyMem_Realloc
from cpython.pyport cimport PY_SSIZE_T_MAX
from libc.math cimport sqrt

from driftscope.streaming._core._detector cimport DetectorCore
from driftscope.streaming._core._mode cimport DOWN, UP, as_mode


cdef double pairwise_sum(const double* a, Py_ssize_t n) noexcept:
    """numpy's pairwise summation of a contiguous float64 array (``np.add.reduce``), addition
    for addition, so the reference is bit for bit the former ``np.mean`` / ``np.std``."""
    cdef Py_ssize_t i, n2
    cdef double res
    cdef double r[8]
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[i]
        return res
    if n <= 128:
        for i in range(8):
            r[i] = a[i]
        i = 8
        while i < n - n % 8:
            r[0] += a[i]
            r[1] += a[i + 1]
            r[2] += a[i + 2]
            r[3] += a[i + 3]
            r[4] += a[i + 4]
            r[5] += a[i + 5]
            r[6] += a[i + 6]
            r[7] += a[i + 7]
            i += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            res += a[i]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2)


cdef class CUSUMCore(DetectorCore):
    cdef public double _reference
    cdef public double _sigma
    # S+ = total - running minimum of the total (and of 0): Page's max(0, .) recursion.
    cdef public double _total_increase
    cdef public double _min_increase
    cdef public double _total_decrease
    cdef public double _min_decrease
    # The warm-up values of the current test (that fix its reference), `n_warmup` of them, in
    # the first `capacity` doubles of `buffer`; the next `capacity` are scratch space for the
    # squared deviations. The buffer grows as needed, up to `min_instances`.
    cdef double* buffer
    cdef Py_ssize_t capacity
    cdef Py_ssize_t n_warmup
    cdef Py_ssize_t min_instances_
    cdef double slack_, threshold_
    cdef int mode_

    def __cinit__(self):
        self.buffer = NULL
        self.capacity = 0
        self.n_warmup = 0
        self.min_instances_ = 0

    def __dealloc__(self):
        PyMem_Free(self.buffer)

    def _configure(self, min_instances, double slack, double threshold, str mode):
        # More warm-up values than memory can hold could never complete anyway.
        self.min_instances_ = min(min_instances, PY_SSIZE_T_MAX // (2 * sizeof(double)))
        self.slack_ = slack
        self.threshold_ = threshold
        self.mode_ = as_mode(mode)

    cdef int reserve(self, Py_ssize_t n) except -1:
        """Room for ``n`` warm-up values (at most `min_instances` are ever needed)."""
        cdef Py_ssize_t size
        cdef double* grown
        n = min(n, self.min_instances_)
        if n <= self.capacity:
            return 0
        size = max(n, min(max(2 * self.capacity, 64), self.min_instances_))
        grown = <double*>PyMem_Realloc(self.buffer, 2 * size * sizeof(double))
        if grown == NULL:
            raise MemoryError(f"no room for {size} warm-up values of CUSUM")
        self.buffer = grown
        self.capacity = size
        return 0

    @property
    def _warmup(self):
        return [self.buffer[i] for i in range(self.n_warmup)]

    @_warmup.setter
    def _warmup(self, values):
        cdef list given = [float(v) for v in values]
        cdef Py_ssize_t i, n = len(given)
        if n > self.min_instances_:
            raise ValueError(
                f"A CUSUM warm-up holds at most {self.min_instances_} values; got {n}."
            )
        self.reserve(n)
        for i in range(n):
            self.buffer[i] = given[i]
        self.n_warmup = n

    cdef int restart(self) except -1:
        """A new test with a new reference."""
        DetectorCore.restart(self)
        self.n_warmup = 0
        self._reference = 0.0
        self._sigma = 0.0
        self._total_increase = 0.0
        self._min_increase = 0.0
        self._total_decrease = 0.0
        self._min_decrease = 0.0
        return 0

    cdef void fix_reference(self) noexcept:
        # np.mean and np.std(ddof=1), operation for operation: the identity 0.0 plus numpy's
        # pairwise sum, then the squared deviations summed the same way.
        cdef Py_ssize_t i, n = self.n_warmup
        cdef double mean = (0.0 + pairwise_sum(self.buffer, n)) / <double>n
        cdef double* squares = self.buffer + self.capacity
        cdef double dev
        for i in range(n):
            dev = self.buffer[i] - mean
            squares[i] = dev * dev
        self._reference = mean
        self._sigma = sqrt((0.0 + pairwise_sum(squares, n)) / <double>(n - 1))

    cdef int step(self, double x) except -1:
        cdef double dev, k, limit
        cdef bint up, down
        if self.n_warmup < self.min_instances_:
            if self.n_warmup == self.capacity:
                self.reserve(self.n_warmup + 1)
            self.buffer[self.n_warmup] = x
            self.n_warmup += 1
            if self.n_warmup < self.min_instances_:
                return 0
            self.fix_reference()
        dev = x - self._reference
        k = self.slack_ * self._sigma
        self._total_increase += dev - k
        self._total_decrease += -dev - k
        if self._total_increase < self._min_increase:
            self._min_increase = self._total_increase
        if self._total_decrease < self._min_decrease:
            self._min_decrease = self._total_decrease
        limit = self.threshold_ * self._sigma
        up = self.mode_ != DOWN and self._total_increase - self._min_increase > limit
        down = self.mode_ != UP and self._total_decrease - self._min_decrease > limit
        self._drift_detected = up or down
        return 0
