# Checked conversion of the values given to the kernels: shared by every ``.pyx`` here.
from libc.math cimport isfinite


cdef inline double as_value(object x, object owner, bint binary) except? -1.0:
    """One value for ``update``: a finite float (0/1 for an error stream), else the detector's
    `DriftDetector._bad_value` error."""
    cdef double v
    if type(x) is float:
        v = <double>x
    else:
        try:
            v = float(x)
        except (TypeError, ValueError):
            raise owner._bad_value(x) from None
    if not isfinite(v) or (binary and v != 0.0 and v != 1.0):
        raise owner._bad_value(v)
    return v


cdef inline const double[::1] as_values(object owner, object values, bint binary) except *:
    """All values for ``update_many``, checked before any is used, so that a bad value leaves
    the detector untouched."""
    cdef const double[::1] a = owner._as_array(values)
    cdef Py_ssize_t i
    cdef double v
    for i in range(a.shape[0]):
        v = a[i]
        if not isfinite(v) or (binary and v != 0.0 and v != 1.0):
            raise owner._bad_value(v, i)
    return a
