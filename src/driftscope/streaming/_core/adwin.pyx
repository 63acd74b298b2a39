"""ADWIN kernel: the exponential histogram in C arrays, the per-value update and the cut test."""

from cpython.pyport cimport PY_SSIZE_T_MAX
from libc.limits cimport LLONG_MAX
from libc.math cimport fabs, ldexp, log, sqrt
from libc.stdlib cimport free, realloc
from libc.string cimport memmove

from driftscope.streaming._core._values cimport as_value, as_values

cdef extern from *:
    """
    /* C helpers of the ADWIN kernel. Where SSE2 is there (all x86-64), two doubles share each
       vector instruction; every lane is rounded exactly as the scalar operation. */
    #include <math.h>
    #if defined(__SSE2__)
    #include <emmintrin.h>
    #endif

    /* Two independent divisions. */
    static inline void adwin_div2(double a0, double b0, double a1, double b1,
                                  double *q0, double *q1) {
    #if defined(__SSE2__)
        __m128d q = _mm_div_pd(_mm_set_pd(a1, a0), _mm_set_pd(b1, b0));
        _mm_storel_pd(q0, q);
        _mm_storeh_pd(q1, q);
    #else
        *q0 = a0 / b0;
        *q1 = a1 / b1;
    #endif
    }

    /* The screen of ADWIN's cut test; ADWINCore.has_cut's docstring derives it. Returns the
       first boundary from j to hi that it cannot rule out, or hi + 1. */
    #define ADWIN_LOW 0x1p-800
    #define ADWIN_HIGH 0x1p1000

    #if defined(__SSE2__)
    /* The screen at boundaries j and j + 1: all bits set where it rules the boundary out. */
    static inline __m128d adwin_screen2(
        const double *n0, const double *n0p, const double *u0, Py_ssize_t j, __m128d t,
        __m128d w, __m128d l1, __m128d s, __m128d e, __m128d c, __m128d v
    ) {
        const __m128d sign = _mm_set1_pd(-0.0);
        __m128d a = _mm_loadu_pd(n0 + j), b = _mm_loadu_pd(u0 + j);
        __m128d n1 = _mm_sub_pd(w, a);
        __m128d p = _mm_mul_pd(a, n1);
        __m128d g = _mm_mul_pd(_mm_loadu_pd(n0p + j), _mm_sub_pd(n1, l1));
        __m128d x = _mm_andnot_pd(
            sign, _mm_sub_pd(_mm_mul_pd(b, n1), _mm_mul_pd(_mm_sub_pd(t, b), a)));
        __m128d r = _mm_mul_pd(_mm_mul_pd(_mm_mul_pd(p, p), v), _mm_mul_pd(s, g));
        x = _mm_sub_pd(_mm_mul_pd(_mm_add_pd(x, e), g), _mm_mul_pd(p, c));
        return _mm_or_pd(
            _mm_cmple_pd(x, _mm_setzero_pd()),
            _mm_and_pd(
                _mm_cmple_pd(_mm_mul_pd(x, x), r),
                _mm_and_pd(_mm_cmpge_pd(r, _mm_set1_pd(ADWIN_LOW)),
                           _mm_cmple_pd(r, _mm_set1_pd(ADWIN_HIGH)))));
    }
    #endif

    static Py_ssize_t adwin_screen(
        const double *n0, const double *n0p, const double *u0, Py_ssize_t j, Py_ssize_t hi,
        double total, double width, double ml1, double s, double e, double csd, double w2d
    ) {
    #if defined(__SSE2__)
        const __m128d tt = _mm_set1_pd(total), ww = _mm_set1_pd(width), ll = _mm_set1_pd(ml1);
        const __m128d ss = _mm_set1_pd(s), ee = _mm_set1_pd(e), cc = _mm_set1_pd(csd);
        const __m128d vv = _mm_set1_pd(w2d);
        for (; j + 3 <= hi; j += 4) {
            __m128d ok = _mm_and_pd(
                adwin_screen2(n0, n0p, u0, j, tt, ww, ll, ss, ee, cc, vv),
                adwin_screen2(n0, n0p, u0, j + 2, tt, ww, ll, ss, ee, cc, vv));
            if (_mm_movemask_pd(ok) != 3) {
                break;
            }
        }
    #endif
        for (; j <= hi; j++) {
            double n1 = width - n0[j], p = n0[j] * n1, g = n0p[j] * (n1 - ml1);
            double x = fabs(u0[j] * n1 - (total - u0[j]) * n0[j]), r;
            x = (x + e) * g - p * csd;
            r = p * p * w2d * (s * g);
            if (!(x <= 0.0 || (x * x <= r && r >= ADWIN_LOW && r <= ADWIN_HIGH))) {
                break;
            }
        }
        return j;
    }
    """
    void div2 "adwin_div2" (double a0, double b0, double a1, double b1, double* q0,
                            double* q1) noexcept nogil
    Py_ssize_t screen "adwin_screen" (
        const double* n0, const double* n0p, const double* u0, Py_ssize_t j, Py_ssize_t hi,
        double total, double width, double ml1, double s, double e, double csd, double w2d
    ) noexcept nogil

cdef enum:
    # Values taken per pass of the batched insert.
    CHUNK = 64
    # `dirty_` when every row must be read again.
    ALL_ROWS = 1 << 30

# Slack factors and limits of the cut test's screen (see `has_cut`).
cdef double SLACK_SUM = 1.0 + ldexp(1.0, -20)
cdef double SLACK_C = 1.0 - ldexp(1.0, -38)
cdef double SLACK_V = 1.0 - ldexp(1.0, -36)
cdef double SMALLEST = ldexp(1.0, -1000)
cdef double U = ldexp(1.0, -53)

# 2**r and 2**-r: the size of row r's buckets and its exact inverse.
cdef double POW2[64]
cdef double INV_POW2[64]
cdef int r
for r in range(64):
    POW2[r] = ldexp(1.0, r)
    INV_POW2[r] = ldexp(1.0, -r)


cdef inline long long py_mod(long long a, long long b) noexcept:
    """``a % b`` with Python's sign rule, for ``b > 0``."""
    cdef long long r = a % b
    return r + b if r < 0 else r


cdef inline bint grow(void** p, size_t size) noexcept:
    """realloc `*p` to `size` bytes; False (and `*p` kept) when out of memory."""
    cdef void* q = realloc(p[0], size)
    if q == NULL:
        return False
    p[0] = q
    return True


cdef class ADWINCore:
    cdef public long long _n_seen
    cdef public bint _drift_detected
    cdef public bint _warning_detected
    cdef public long long _width
    cdef public double _total
    cdef public double _variance
    cdef public long long _tick
    cdef double delta_
    cdef long long clock_, min_len_, grace_
    cdef Py_ssize_t max_buckets_, row_slots_
    # Row r holds the count_[r] buckets of 2**r values, oldest first, at tot_ + r * row_slots_
    # (their totals) and var_ + r * row_slots_ (their sums of squared deviations). Between
    # updates a row holds at most max_buckets; while values go in, the buckets a row receives
    # are appended before its oldest are merged, hence row_slots_ = max_buckets + CHUNK.
    cdef double* tot_
    cdef double* var_
    cdef Py_ssize_t* count_
    cdef Py_ssize_t rows_, rows_cap_
    # The cut test's running sums, one entry per bucket, oldest first: its total; n0, n0 -
    # min_len + 1 and u0 up to and including it; and the sum of the buckets' absolute totals up
    # to it. Rows above `dirty_` are unchanged since they were filled, and so are their entries
    # (they come first). `first_[r]` is the entry of row r's oldest bucket.
    cdef double* bt_
    cdef double* n0_
    cdef double* n0p_
    cdef double* u0_
    cdef double* abs_
    cdef Py_ssize_t* first_
    cdef Py_ssize_t cached_, dirty_

    def __cinit__(self):
        self.allocate(5)

    def __dealloc__(self):
        self.release()

    cdef void release(self) noexcept:
        free(self.tot_)
        free(self.var_)
        free(self.count_)
        free(self.bt_)
        free(self.n0_)
        free(self.n0p_)
        free(self.u0_)
        free(self.abs_)
        free(self.first_)
        self.tot_ = self.var_ = self.bt_ = self.n0_ = self.n0p_ = self.u0_ = self.abs_ = NULL
        self.count_ = self.first_ = NULL
        self.rows_cap_ = 0

    cdef int allocate(self, Py_ssize_t max_buckets) except -1:
        """Room for a row of `max_buckets` buckets (more rows come as needed), and an empty
        window. Out of memory, it keeps room for 5 buckets a row before raising."""
        self.release()
        self.max_buckets_ = max_buckets
        self.row_slots_ = max_buckets + CHUNK
        try:
            self.grow_rows(1)
        except MemoryError:
            if max_buckets == 5:
                raise
            self.allocate(5)
            raise
        self.restart()
        return 0

    cdef int grow_rows(self, Py_ssize_t rows_cap) except -1:
        """Room for `rows_cap` rows, keeping the buckets and the cache."""
        cdef size_t slots = rows_cap * self.row_slots_, entries = rows_cap * self.max_buckets_
        if (
            rows_cap > 64
            or slots // rows_cap != <size_t>self.row_slots_
            or slots > PY_SSIZE_T_MAX // sizeof(double)
        ):
            raise MemoryError()
        if (
            not grow(<void**>&self.tot_, slots * sizeof(double))
            or not grow(<void**>&self.var_, slots * sizeof(double))
            or not grow(<void**>&self.bt_, entries * sizeof(double))
            or not grow(<void**>&self.n0_, entries * sizeof(double))
            or not grow(<void**>&self.n0p_, entries * sizeof(double))
            or not grow(<void**>&self.u0_, entries * sizeof(double))
            or not grow(<void**>&self.abs_, entries * sizeof(double))
            or not grow(<void**>&self.count_, rows_cap * sizeof(Py_ssize_t))
            or not grow(<void**>&self.first_, rows_cap * sizeof(Py_ssize_t))
        ):
            raise MemoryError()
        self.rows_cap_ = rows_cap
        return 0

    def _configure(self, double delta, clock, max_buckets, min_window_length, grace_period):
        # Counts past LLONG_MAX act like LLONG_MAX: no window ever gets that long (and no such
        # max_buckets fits in memory).
        self.delta_ = delta
        self.clock_ = min(clock, LLONG_MAX)
        self.min_len_ = min(min_window_length, LLONG_MAX)
        self.grace_ = min(grace_period, LLONG_MAX)
        self.allocate(min(max_buckets, PY_SSIZE_T_MAX))

    def _restart(self):
        """An empty window; `n_seen` keeps counting."""
        self.restart()

    cdef inline void restart(self) noexcept:
        self._drift_detected = False
        self.rows_ = 1
        self.count_[0] = 0
        self._width = 0
        self._total = 0.0
        self._variance = 0.0
        self._tick = 0
        self.dirty_ = ALL_ROWS

    # -- the buckets as lists, for the state ------------------------------------------------------

    @property
    def _totals(self):
        return self.rows_as_lists(self.tot_)

    @_totals.setter
    def _totals(self, value):
        """Sets the buckets' totals, and their variances to 0.0 (`_variances` comes next)."""
        rows = [[float(t) for t in row] for row in value]
        if not 1 <= len(rows) <= 63 or any(len(row) > self.max_buckets_ for row in rows):
            raise ValueError(
                f"ADWIN's _totals must be 1 to 63 rows of at most {self.max_buckets_} buckets."
            )
        if len(rows) > self.rows_cap_:
            self.grow_rows(len(rows))
        cdef Py_ssize_t r, k
        for r, row in enumerate(rows):
            self.count_[r] = len(row)
            for k in range(len(row)):
                self.tot_[r * self.row_slots_ + k] = row[k]
                self.var_[r * self.row_slots_ + k] = 0.0
        self.rows_ = len(rows)
        self.dirty_ = ALL_ROWS

    @property
    def _variances(self):
        return self.rows_as_lists(self.var_)

    @_variances.setter
    def _variances(self, value):
        rows = [[float(v) for v in row] for row in value]
        if [len(row) for row in rows] != [self.count_[r] for r in range(self.rows_)]:
            raise ValueError("ADWIN's _variances must have the shape of its _totals.")
        cdef Py_ssize_t r, k
        for r, row in enumerate(rows):
            for k in range(len(row)):
                self.var_[r * self.row_slots_ + k] = row[k]

    cdef list rows_as_lists(self, const double* slots):
        cdef Py_ssize_t r, k
        return [
            [slots[r * self.row_slots_ + k] for k in range(self.count_[r])]
            for r in range(self.rows_)
        ]

    # -- inserting values -------------------------------------------------------------------------

    cdef inline void add_to_statistics(self, const double* x, Py_ssize_t m) noexcept:
        """Width, total and variance after the `m` values at `x`: River's
        ``variance += (width - 1) * d * d / width`` with ``d = x - total / (width - 1)``, for
        the width after each value, then ``total += x``. Two values at a time, so that their
        divisions pair up in the vector unit; the widths are whole numbers below 2**53, exact
        as doubles."""
        cdef long long width = self._width
        cdef double total = self._total, variance = self._variance
        cdef double w, ta, tb, qa, qb, da, db, ya, yb
        cdef Py_ssize_t j = 0
        # A value that makes the width 1 adds no deviation term.
        while j < m and width < 1:
            width += 1
            total += x[j]
            j += 1
        self._width = width + (m - j)
        w = <double>width
        while j + 1 < m:
            ta = total
            total += x[j]
            tb = total
            total += x[j + 1]
            div2(ta, w, tb, w + 1.0, &qa, &qb)
            da = x[j] - qa
            db = x[j + 1] - qb
            div2(w * da * da, w + 1.0, (w + 1.0) * db * db, w + 2.0, &ya, &yb)
            variance += ya
            variance += yb
            w += 2.0
            j += 2
        if j < m:
            da = x[j] - total / w
            variance += w * da * da / (w + 1.0)
            total += x[j]
        self._total = total
        self._variance = variance

    cdef int add_to_rows(self, const double* x, Py_ssize_t n) except -1:
        """Append the `n` (<= CHUNK) values at `x` to row 0 as buckets of one value.

        River appends one bucket at a time and, whenever a row then holds more than
        max_buckets, merges its two oldest into a bucket appended to the next row
        (``compress``). Which buckets a row merges depends only on the buckets it receives, so
        the rows are done one after the other: a row takes all its new buckets, then merges
        pairs from the oldest until at most max_buckets are left."""
        cdef Py_ssize_t mb = self.max_buckets_, stride = self.row_slots_, row = 0, i
        cdef Py_ssize_t count = self.count_[0], merges, kept, below
        cdef double* totals = self.tot_
        cdef double* variances = self.var_
        cdef double* up_totals
        cdef double* up_variances
        cdef double t0, t1, mean0, mean1, half_size, inv_size
        if self.dirty_ < 0:
            self.dirty_ = 0
        for i in range(n):
            totals[count + i] = x[i]
            variances[count + i] = 0.0
        count += n
        while count > mb:
            merges = (count - mb + 1) // 2
            if row + 1 == self.rows_:
                if row + 1 == self.rows_cap_:
                    self.grow_rows(min(2 * self.rows_cap_, 64))
                    totals = self.tot_ + row * stride
                    variances = self.var_ + row * stride
                self.count_[row + 1] = 0
                self.rows_ += 1
            up_totals = self.tot_ + (row + 1) * stride
            up_variances = self.var_ + (row + 1) * stride
            below = self.count_[row + 1]
            if row == 0:
                # Buckets of one value: their means are their totals, their variances 0.0.
                for i in range(merges):
                    t0 = totals[2 * i]
                    t1 = totals[2 * i + 1]
                    up_totals[below + i] = t0 + t1
                    up_variances[below + i] = 0.5 * (t0 - t1) * (t0 - t1)
            else:
                # River divides by the size, 2**row: multiplying by its exact inverse rounds
                # the same real number.
                half_size = POW2[row] * 0.5
                inv_size = INV_POW2[row]
                for i in range(merges):
                    t0 = totals[2 * i]
                    t1 = totals[2 * i + 1]
                    mean0 = t0 * inv_size
                    mean1 = t1 * inv_size
                    up_totals[below + i] = t0 + t1
                    up_variances[below + i] = (
                        variances[2 * i] + variances[2 * i + 1]
                        + half_size * (mean0 - mean1) * (mean0 - mean1)
                    )
            kept = count - 2 * merges
            for i in range(kept):
                totals[i] = totals[2 * merges + i]
                variances[i] = variances[2 * merges + i]
            self.count_[row] = kept
            row += 1
            totals = up_totals
            variances = up_variances
            count = below + merges
        self.count_[row] = count
        if row > self.dirty_:
            self.dirty_ = row
        return 0

    # -- the cut test -----------------------------------------------------------------------------

    cdef bint detect_change(self) noexcept:
        """Test every cut, oldest first; on a significant one drop the oldest bucket and test
        again. Returns whether any cut was significant."""
        cdef bint detected = False
        cdef long long width
        cdef double window_variance, log_term
        while True:
            width = self._width
            window_variance = self._variance / <double>width
            if width < 2 or window_variance < 0.0:
                # No cut to test, or a variance rounded below zero: River's square root is
                # then NaN and no cut can pass.
                return detected
            log_term = log(2.0 * log(<double>width) / self.delta_)
            self.refresh()
            if not self.has_cut(<double>width, window_variance, log_term):
                return detected
            detected = True
            self.drop_oldest()

    cdef void refresh(self) noexcept:
        """Fill the cache entries of the rows that changed since it was last filled."""
        cdef Py_ssize_t row = self.dirty_, j, k, count
        cdef double n0, u0, size, t, total_abs, ml1 = <double>self.min_len_ - 1.0
        cdef const double* totals
        if row < 0:
            return
        if row >= self.rows_ - 1:
            row = self.rows_ - 1
            j = 0
        else:
            j = self.first_[row]
        n0 = self.n0_[j - 1] if j > 0 else 0.0
        u0 = self.u0_[j - 1] if j > 0 else 0.0
        total_abs = self.abs_[j - 1] if j > 0 else 0.0
        while row >= 0:
            size = POW2[row]
            totals = self.tot_ + row * self.row_slots_
            count = self.count_[row]
            self.first_[row] = j
            for k in range(count):
                t = totals[k]
                n0 += size
                u0 += t
                total_abs += fabs(t)
                self.bt_[j + k] = t
                self.n0_[j + k] = n0
                self.n0p_[j + k] = n0 - ml1
                self.u0_[j + k] = u0
                self.abs_[j + k] = total_abs
            j += count
            row -= 1
        self.cached_ = j
        self.dirty_ = -1

    cdef bint has_cut(self, double width, double window_variance, double log_term) noexcept:
        """Whether a cut passes River's test

            d = |u0 / n0 - u1 / n1| > eps = sqrt(A) + B,
            A = 2 m v log_term, B = c m, c = 2 / 3 log_term,
            m = 1 / n0' + 1 / n1', n' = n - min_len + 1,

        at a boundary between buckets with n0 and n1 at least min_len (n0, u0: the count and
        total of the values up to the boundary, oldest first; n1, u1: of the rest; v: the
        window's variance). The counts are whole numbers below 2**53, exact as doubles.

        `screen` rules out most boundaries without a division, a square root or River's
        running u1. Read d, m, A, B, eps as real numbers computed from River's doubles u0, u1,
        v, log_term, c; let u = 2**-53 and Z >= |u0|, |u1| (the sum of |total| and the buckets'
        |totals|, times 1 + 2**-20 for the roundings of all these sums). River's rounded d is
        at most d + 2u (|u0| / n0 + |u1| / n1) <= d + 2u Z W / P (W = n0 + n1, P = n0 n1), and
        its rounded eps at least (sqrt(A) + B)(1 - 5u), less terms below 2**-500 where
        something underflows while B > 2**-55. Multiplied by P g (g = n0' n1', s = n0' + n1',
        m = s / g), River finds no cut where

            (|u0 n1 - u1 n0| + 2u Z W) g <= (1 - 5u)(c s P + P sqrt(2 v log_term s g)).

        The screen takes total - u0 for u1, which is off by at most (2J + 3) u Z after J
        buckets, and adds e = (4J + 16) u Z W to N = |u0 n1 - u1 n0|, at least twice what this,
        the 2u Z W and the roundings of the products call for. With X = fl(fl(N + e) g) -
        fl(P fl(c s (1 - 2**-38))), X <= 0 gives no cut (the factor 1 - 2**-38 outweighs the
        few roundings, each at most u relatively), and so does X**2 <= fl(P**2 fl(2 v log_term
        (1 - 2**-36)) s g) with the right side in [2**-800, 2**1000]. A NaN or infinity rules
        nothing out. The boundaries left, in practice only the cuts that pass, are decided by
        River's arithmetic, with River's running u1."""
        cdef double ml = <double>self.min_len_, c = 2.0 / 3.0 * log_term
        cdef double total = self._total, u1 = total, n1, m, z, e, w2d
        cdef double s = (width - (ml - 1.0)) - (ml - 1.0)
        cdef Py_ssize_t j = 0, k = 0, hi = self.cached_ - 1
        cdef const double* n0 = self.n0_
        cdef const double* u0 = self.u0_
        # River stops before row 0's last bucket, the newest.
        if self.count_[0] > 0:
            hi -= 1
        while hi >= 0 and width - n0[hi] < ml:
            hi -= 1
        while j <= hi and n0[j] < ml:
            j += 1
        if j > hi:
            return False
        z = (fabs(total) + self.abs_[self.cached_ - 1]) * SLACK_SUM
        e = z * width * (4.0 * self.cached_ + 16.0) * U
        w2d = 2.0 * window_variance * log_term
        # 2 v log_term far from the subnormal numbers, or no bound from it.
        w2d = w2d * SLACK_V if w2d >= SMALLEST else 0.0
        while True:
            j = screen(n0, self.n0p_, u0, j, hi, total, width, ml - 1.0, s, e, c * s * SLACK_C, w2d)
            if j > hi:
                return False
            # River's u1 at boundary j.
            while k <= j:
                u1 = u1 - self.bt_[k]
                k += 1
            n1 = width - n0[j]
            m = 1.0 / ((n0[j] - ml) + 1.0) + 1.0 / ((n1 - ml) + 1.0)
            if fabs(u0[j] / n0[j] - u1 / n1) > sqrt(2.0 * m * window_variance * log_term) + c * m:
                return True
            j += 1

    cdef void drop_oldest(self) noexcept:
        """Remove the oldest bucket from the window and its statistics."""
        cdef Py_ssize_t last = self.rows_ - 1, base = last * self.row_slots_
        cdef long long size = 1LL << last, width
        cdef double u = self.tot_[base], v = self.var_[base], mean, window_mean
        self.count_[last] -= 1
        memmove(self.tot_ + base, self.tot_ + base + 1, self.count_[last] * sizeof(double))
        memmove(self.var_ + base, self.var_ + base + 1, self.count_[last] * sizeof(double))
        mean = u / <double>size
        self._width = self._width - size
        width = self._width
        self._total -= u
        window_mean = self._total / <double>width
        # size * width is exact as a double (a power of two times a width below 2**53).
        self._variance -= v + <double>size * <double>width * (mean - window_mean) * (
            mean - window_mean
        ) / <double>(size + width)
        if self.count_[last] == 0 and last > 0:
            self.rows_ -= 1
        self.dirty_ = ALL_ROWS

    # -- updates ----------------------------------------------------------------------------------

    def update(self, x):
        """Add one value; every ``clock`` values, test the cuts of the window."""
        cdef double v = as_value(x, self, False)
        if self._drift_detected:
            self.restart()
        self._n_seen += 1
        self.add_to_statistics(&v, 1)
        self.add_to_rows(&v, 1)
        self._tick += 1
        if self._tick % self.clock_ == 0 and self._width > self.grace_:
            self._drift_detected = self.detect_change()
        else:
            self._drift_detected = False

    def update_many(self, values):
        """Process a whole array; the same detections and final state as `update` per value.
        The values go in by runs that end at the next cut test."""
        cdef const double[::1] a = as_values(self, values, False)
        cdef Py_ssize_t n = a.shape[0], i = 0, m
        # Values until the next cut test.
        cdef long long until = self.clock_ - py_mod(self._tick, self.clock_)
        drifts = []
        while i < n:
            if self._drift_detected:
                self.restart()
                until = self.clock_
            m = n - i
            if m > CHUNK:
                m = CHUNK
            if m > until:
                m = <Py_ssize_t>until
            self.add_to_statistics(&a[i], m)
            self.add_to_rows(&a[i], m)
            self._n_seen += m
            self._tick += m
            i += m
            until -= m
            if until == 0:
                until = self.clock_
                if self._width > self.grace_:
                    self._drift_detected = self.detect_change()
                    if self._drift_detected:
                        drifts.append(i - 1)
                    continue
            self._drift_detected = False
        # ADWIN has no warning level.
        return self._detections((), drifts)
