# The base of the one-value-at-a-time kernels: the flags, `n_seen`, `update` and `update_many`.

cdef class DetectorCore:
    cdef public long long _n_seen
    cdef public bint _drift_detected
    cdef public bint _warning_detected
    # The wrapper's `binary_input`: whether values must be 0/1.
    cdef bint binary

    cdef int restart(self) except -1
    cdef int step(self, double x) except -1
