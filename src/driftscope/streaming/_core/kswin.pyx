"""KSWIN kernel: the sliding window, CPython's random sampling, the Kolmogorov-Smirnov gap and
the `update_many` loop.

River draws each update's sample with ``random.Random(seed).sample(range(n_old), n)``. To give
the same samples, this module repeats CPython 3.11's Mersenne Twister (``genrand_uint32`` and
``getrandbits`` of ``Modules/_randommodule.c``) and the integer algorithms of ``Lib/random.py``
(``_randbelow_with_getrandbits`` and both branches of ``sample``) word for word. The generator
is seeded, saved and restored through ``random.Random`` itself, so its state keeps that format.
"""

import random
from collections import deque

from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from libc.math cimport NAN, isnan
from libc.stdint cimport uint32_t, uint64_t
from libc.stdlib cimport qsort
from libc.string cimport memcpy, memset

from driftscope.streaming._core._values cimport as_value, as_values

cdef enum:
    # Mersenne Twister sizes, as in CPython's Modules/_randommodule.c.
    MT_N = 624
    MT_M = 397
    # Below this many items, sorting by insertion beats qsort's calls through a pointer.
    INSERTION_SORT_MAX = 32
    # Slots of a fresh window's ring; it doubles as values arrive, up to window_size.
    FIRST_CAPACITY = 256


cdef struct MT:
    uint32_t state[MT_N]
    int index


cdef uint32_t genrand_uint32(MT* mt) noexcept nogil:
    """CPython's ``genrand_uint32``: the next 32 random bits."""
    cdef uint32_t matrix_a = 0x9908b0df, upper_mask = 0x80000000, lower_mask = 0x7fffffff
    cdef uint32_t y
    cdef uint32_t* s = mt.state
    cdef int kk
    if mt.index >= MT_N:  # generate N words at one time
        for kk in range(MT_N - MT_M):
            y = (s[kk] & upper_mask) | (s[kk + 1] & lower_mask)
            s[kk] = s[kk + MT_M] ^ (y >> 1) ^ (matrix_a if y & 1 else 0)
        for kk in range(MT_N - MT_M, MT_N - 1):
            y = (s[kk] & upper_mask) | (s[kk + 1] & lower_mask)
            s[kk] = s[kk + (MT_M - MT_N)] ^ (y >> 1) ^ (matrix_a if y & 1 else 0)
        y = (s[MT_N - 1] & upper_mask) | (s[0] & lower_mask)
        s[MT_N - 1] = s[MT_M - 1] ^ (y >> 1) ^ (matrix_a if y & 1 else 0)
        mt.index = 0
    y = s[mt.index]
    mt.index += 1
    y ^= y >> 11
    y ^= (y << 7) & 0x9d2c5680U
    y ^= (y << 15) & 0xefc60000U
    y ^= y >> 18
    return y


cdef inline uint64_t getrandbits(MT* mt, int k) noexcept nogil:
    """CPython's ``Random.getrandbits(k)`` for 1 <= k <= 64: 32-bit words from the least
    significant up, the last one cut to its top bits."""
    cdef uint64_t low
    if k <= 32:
        return genrand_uint32(mt) >> (32 - k)
    low = genrand_uint32(mt)
    return low | (<uint64_t>(genrand_uint32(mt) >> (64 - k)) << 32)


cdef inline uint64_t randbelow(MT* mt, uint64_t n) noexcept nogil:
    """``Random._randbelow_with_getrandbits(n)`` for n > 0: a draw of n.bit_length() bits,
    repeated until it is below n."""
    cdef int k = 0
    cdef uint64_t v = n
    cdef uint64_t r
    while v:
        k += 1
        v >>= 1
    r = getrandbits(mt, k)
    while r >= n:
        r = getrandbits(mt, k)
    return r


cdef void sample_range(MT* mt, Py_ssize_t n, Py_ssize_t k, bint use_pool, Py_ssize_t* pool,
                       unsigned char* selected, Py_ssize_t* result) noexcept nogil:
    """``Random.sample(range(n), k)`` into ``result``. ``use_pool`` is sample's choice of
    method (made in Python, as it rounds a float logarithm); ``pool`` holds n slots for the
    pool method, ``selected`` n zeroed flags for the set method (left zeroed)."""
    cdef Py_ssize_t i, j
    if use_pool:
        for i in range(n):
            pool[i] = i
        for i in range(k):
            j = <Py_ssize_t>randbelow(mt, <uint64_t>(n - i))
            result[i] = pool[j]
            pool[j] = pool[n - i - 1]  # move non-selected item into vacancy
    else:
        for i in range(k):
            j = <Py_ssize_t>randbelow(mt, <uint64_t>n)
            while selected[j]:
                j = <Py_ssize_t>randbelow(mt, <uint64_t>n)
            selected[j] = 1
            result[i] = j
        for i in range(k):
            selected[result[i]] = 0


def use_pool_method(Py_ssize_t n, Py_ssize_t k):
    """Whether ``Random.sample`` of k from n items takes its pool branch (else its set one);
    the same float arithmetic as ``Lib/random.py``."""
    import math

    setsize = 21  # size of a small set minus size of an empty list
    if k > 5:
        setsize += 4 ** math.ceil(math.log(k * 3, 4))  # table size for big sets
    return n <= setsize


cdef void load_state(MT* mt, object state) except *:
    """The words of ``random.Random.getstate()`` into ``mt``."""
    cdef Py_ssize_t i
    words = state[1]
    for i in range(MT_N):
        mt.state[i] = <uint32_t>(<unsigned long>words[i])
    mt.index = <int>words[MT_N]


cdef object dump_words(MT* mt):
    cdef Py_ssize_t i
    return [mt.state[i] for i in range(MT_N)] + [mt.index]


def _sample(list state, Py_ssize_t n, Py_ssize_t k):
    """``random.Random.sample(range(n), k)`` drawn in C from a generator in the state
    ``[version, words, gauss_next]``; returns the sample and the generator's new state. For the
    tests."""
    cdef MT mt
    cdef Py_ssize_t* pool = NULL
    cdef unsigned char* selected = NULL
    cdef Py_ssize_t* result = NULL
    cdef Py_ssize_t i
    if not 0 <= k <= n:
        raise ValueError("Sample larger than population or is negative")
    load_state(&mt, state)
    try:
        pool = <Py_ssize_t*>PyMem_Malloc(max(n, 1) * sizeof(Py_ssize_t))
        selected = <unsigned char*>PyMem_Malloc(max(n, 1))
        result = <Py_ssize_t*>PyMem_Malloc(max(k, 1) * sizeof(Py_ssize_t))
        if pool == NULL or selected == NULL or result == NULL:
            raise MemoryError()
        memset(selected, 0, n)
        sample_range(&mt, n, k, use_pool_method(n, k), pool, selected, result)
        drawn = [result[i] for i in range(k)]
    finally:
        PyMem_Free(pool)
        PyMem_Free(selected)
        PyMem_Free(result)
    return drawn, [state[0], dump_words(&mt), state[2]]


def _randbelow(list state, unsigned long long n, Py_ssize_t count):
    """``count`` draws of ``random.Random._randbelow(n)`` (0 < n < 2**64) in C, and the
    generator's new state. For the tests."""
    cdef MT mt
    cdef Py_ssize_t i
    if n == 0:
        raise ValueError("n must be positive")
    load_state(&mt, state)
    drawn = [randbelow(&mt, n) for i in range(count)]
    return drawn, [state[0], dump_words(&mt), state[2]]


cdef int compare_doubles(const void* a, const void* b) noexcept nogil:
    cdef double x = (<const double*>a)[0]
    cdef double y = (<const double*>b)[0]
    return (x > y) - (x < y)


cdef inline void sort_doubles(double* a, Py_ssize_t n) noexcept nogil:
    """Ascending; the values are finite, so the order of equal values does not matter."""
    cdef Py_ssize_t i, j
    cdef double v
    if n > INSERTION_SORT_MAX:
        qsort(a, n, sizeof(double), compare_doubles)
        return
    for i in range(1, n):
        v = a[i]
        j = i - 1
        while j >= 0 and a[j] > v:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = v


cdef class KSWINCore:
    cdef public long long _n_seen
    cdef public bint _drift_detected
    cdef public bint _warning_detected
    cdef public double _p_value
    cdef public double _statistic
    # The window: `count_` values in a ring of `window_size_` slots, the oldest at `start_`.
    # Only `capacity_` slots are allocated until the window fills (start_ is 0 until then), so
    # a huge window_size costs memory only for the values seen.
    cdef double* ring
    cdef Py_ssize_t start_, count_, capacity_
    cdef Py_ssize_t window_size_, stat_size_, n_old_
    # The random generator, its state when freshly seeded (when `seed_` is not None), and the
    # part of Python's random.Random state it does not use.
    cdef MT mt
    cdef MT seeded
    cdef object seed_
    cdef object gauss_next
    cdef double alpha_
    cdef bint use_pool
    cdef bint exact
    # Work space of one test: the sample's window positions, the method's pool or flags, and
    # the two sorted samples; allocated at the first test, once the window holds its values.
    cdef Py_ssize_t* drawn
    cdef Py_ssize_t* pool
    cdef unsigned char* selected
    cdef double* old_sample
    cdef double* recent
    # scipy's statistic and p-value for each gap in counts (0..stat_size); NaN when not yet
    # computed. They depend on the gap and stat_size alone.
    cdef double* cached_statistic
    cdef double* cached_p_value

    def __cinit__(self):
        self.ring = NULL
        self.capacity_ = 0
        self.drawn = NULL
        self.pool = NULL
        self.selected = NULL
        self.old_sample = NULL
        self.recent = NULL
        self.cached_statistic = NULL
        self.cached_p_value = NULL
        self.gauss_next = None

    def __dealloc__(self):
        self.free_buffers()

    cdef void free_buffers(self) noexcept:
        PyMem_Free(self.ring)
        PyMem_Free(self.drawn)
        PyMem_Free(self.pool)
        PyMem_Free(self.selected)
        PyMem_Free(self.old_sample)
        PyMem_Free(self.recent)
        PyMem_Free(self.cached_statistic)
        PyMem_Free(self.cached_p_value)
        self.ring = NULL
        self.capacity_ = 0
        self.drawn = self.pool = NULL
        self.selected = NULL
        self.old_sample = self.recent = NULL
        self.cached_statistic = self.cached_p_value = NULL

    def _configure(self, double alpha, Py_ssize_t window_size, Py_ssize_t stat_size, object seed,
                   bint exact):
        """Settings (already checked) and buffers; ``exact`` says whether scipy's p-value is
        exact, and so a function of the gap in counts."""
        self.free_buffers()
        self.alpha_ = alpha
        self.window_size_ = window_size
        self.stat_size_ = stat_size
        self.n_old_ = window_size - stat_size
        self.exact = exact
        self.use_pool = use_pool_method(self.n_old_, stat_size)
        self.seed_ = seed
        if seed is not None:
            load_state(&self.seeded, random.Random(seed).getstate())
        self.start_ = self.count_ = 0
        self.reserve(min(window_size, FIRST_CAPACITY))

    cdef int reserve(self, Py_ssize_t n) except -1:
        """At least ``n`` ring slots (n <= window_size), doubling; only while the window is
        not full, when its values sit at the start of the ring."""
        cdef Py_ssize_t capacity = self.capacity_ if self.capacity_ else 1
        cdef double* grown
        if n <= self.capacity_:
            return 0
        while capacity < n:
            capacity *= 2
        capacity = min(capacity, self.window_size_)
        grown = <double*>PyMem_Realloc(self.ring, capacity * sizeof(double))
        if grown == NULL:
            raise MemoryError()
        self.ring = grown
        self.capacity_ = capacity
        return 0

    cdef int allocate_test_buffers(self) except -1:
        """The work space of a test, sized by stat_size and window_size."""
        cdef Py_ssize_t i, n = self.stat_size_
        self.drawn = <Py_ssize_t*>PyMem_Malloc(n * sizeof(Py_ssize_t))
        self.pool = <Py_ssize_t*>PyMem_Malloc(self.n_old_ * sizeof(Py_ssize_t))
        self.selected = <unsigned char*>PyMem_Malloc(self.n_old_)
        self.old_sample = <double*>PyMem_Malloc(n * sizeof(double))
        self.recent = <double*>PyMem_Malloc(n * sizeof(double))
        self.cached_statistic = <double*>PyMem_Malloc((n + 1) * sizeof(double))
        self.cached_p_value = <double*>PyMem_Malloc((n + 1) * sizeof(double))
        if (self.drawn == NULL or self.pool == NULL or self.selected == NULL
                or self.old_sample == NULL or self.recent == NULL
                or self.cached_statistic == NULL or self.cached_p_value == NULL):
            raise MemoryError()
        memset(self.selected, 0, self.n_old_)
        for i in range(n + 1):
            self.cached_statistic[i] = NAN
            self.cached_p_value[i] = NAN
        return 0

    def _restart(self):
        """An empty window and a freshly seeded generator; `n_seen` keeps counting."""
        self.check_configured()
        self.restart()

    cdef int check_configured(self) except -1:
        if self.ring == NULL:
            raise RuntimeError(f"{type(self).__name__} was not initialised.")
        return 0

    cdef int restart(self) except -1:
        self._drift_detected = False
        self.start_ = self.count_ = 0
        self._p_value = 0.0
        self._statistic = 0.0
        if self.seed_ is None:
            load_state(&self.mt, random.Random(None).getstate())
        else:
            memcpy(&self.mt, &self.seeded, sizeof(MT))
        self.gauss_next = None
        return 0

    # -- state -----------------------------------------------------------------------------------

    @property
    def _window(self):
        """The window's values, oldest first."""
        cdef Py_ssize_t i
        values = [self.ring[(self.start_ + i) % self.window_size_] for i in range(self.count_)]
        return deque(values, maxlen=self.window_size_)

    @_window.setter
    def _window(self, values):
        cdef Py_ssize_t i
        self.check_configured()
        kept = [float(v) for v in values][-self.window_size_:]
        self.start_ = self.count_ = 0
        self.reserve(len(kept))
        self.count_ = len(kept)
        for i in range(self.count_):
            self.ring[i] = kept[i]

    @property
    def _rng_state(self):
        """The random generator's state as plain data: ``random.Random.getstate()``'s version,
        Mersenne Twister words (and index) and ``gauss_next``."""
        return [random.Random.VERSION, dump_words(&self.mt), self.gauss_next]

    @_rng_state.setter
    def _rng_state(self, state):
        version, words, gauss_next = state
        # random.Random checks the state, as it did when the detector kept one.
        checked = random.Random(0)
        checked.setstate((version, tuple(words), gauss_next))
        load_state(&self.mt, checked.getstate())
        self.gauss_next = checked.gauss_next

    # -- updates ---------------------------------------------------------------------------------

    cdef int step(self, double x) except -1:
        """Add one value and test; 1 on a drift."""
        cdef Py_ssize_t ws = self.window_size_, n = self.stat_size_, n_old = self.n_old_
        cdef Py_ssize_t i, j, pos, gap
        cdef double value
        if self._drift_detected:
            self.restart()
        self._n_seen += 1
        if self.count_ < ws:
            if self.count_ == self.capacity_:
                self.reserve(self.count_ + 1)
            pos = self.start_ + self.count_
            self.ring[pos - ws if pos >= ws else pos] = x
            self.count_ += 1
        else:
            self.ring[self.start_] = x
            self.start_ = self.start_ + 1 if self.start_ + 1 < ws else 0
        if self.count_ < ws:
            self._drift_detected = False
            return 0
        if self.drawn == NULL:
            self.allocate_test_buffers()
        sample_range(&self.mt, n_old, n, self.use_pool, self.pool, self.selected, self.drawn)
        for i in range(n):
            pos = self.start_ + self.drawn[i]
            self.old_sample[i] = self.ring[pos - ws if pos >= ws else pos]
            pos = self.start_ + n_old + i
            self.recent[i] = self.ring[pos - ws if pos >= ws else pos]
        sort_doubles(self.old_sample, n)
        sort_doubles(self.recent, n)
        if not self.exact:
            self._statistic, self._p_value = self.scipy_test()
        else:
            # Largest gap between the two empirical distribution functions, in counts: scipy's
            # exact mode rounds its statistic to this count over n, and its p-value depends on
            # the count alone.
            gap = i = j = 0
            while i < n and j < n:
                value = (self.old_sample[i] if self.old_sample[i] <= self.recent[j]
                         else self.recent[j])
                while i < n and self.old_sample[i] <= value:
                    i += 1
                while j < n and self.recent[j] <= value:
                    j += 1
                if i - j > gap:
                    gap = i - j
                elif j - i > gap:
                    gap = j - i
            if isnan(self.cached_p_value[gap]):
                self.cached_statistic[gap], self.cached_p_value[gap] = self.scipy_test()
            self._statistic = self.cached_statistic[gap]
            self._p_value = self.cached_p_value[gap]
        self._drift_detected = self._p_value <= self.alpha_ and self._statistic > 0.1
        return self._drift_detected

    cdef object scipy_test(self):
        cdef Py_ssize_t i
        sample = [self.old_sample[i] for i in range(self.stat_size_)]
        recent = [self.recent[i] for i in range(self.stat_size_)]
        return self._scipy_test(sample, recent)

    def update(self, x):
        """Add one value; once the window is full, test its newest values against a sample of
        its older ones."""
        self.check_configured()
        self.step(as_value(x, self, False))

    def update_many(self, values):
        """Process a whole array; the same detections and final state as `update` per value."""
        cdef const double[::1] a = as_values(self, values, False)
        cdef Py_ssize_t i
        self.check_configured()
        drifts = []
        for i in range(a.shape[0]):
            if self.step(a[i]):
                drifts.append(i)
        return self._detections((), drifts)
