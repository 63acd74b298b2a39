# The direction CUSUM and Page-Hinkley watch, from their ``mode`` setting.

cdef enum Mode:
    UP, DOWN, BOTH


cdef inline Mode as_mode(str mode) noexcept:
    """``"up"``, ``"down"`` or (anything else, already refused by the wrapper) ``"both"``."""
    return UP if mode == "up" else DOWN if mode == "down" else BOTH
