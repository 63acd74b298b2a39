"""Build the compiled streaming kernels; everything else is in pyproject.toml.

Each ``src/driftscope/streaming/_core/*.pyx`` becomes one C extension. The kernels must repeat
River's floating-point operations exactly, so the C compiler may not fuse or reorder them
(``-ffp-contract=off``; no ``-ffast-math``, no ``-march=native``).

While developing, ``DRIFTSCOPE_KERNELS=adwin,kswin python setup.py build_ext --inplace``
builds only the kernels named.
"""

import os
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

CORE = Path("src/driftscope/streaming/_core")

extensions = [
    Extension(
        f"driftscope.streaming._core.{pyx.stem}",
        [str(pyx)],
        extra_compile_args=["-O2", "-ffp-contract=off", "-fno-fast-math"],
    )
    for pyx in sorted(CORE.glob("*.pyx"))
    if not os.environ.get("DRIFTSCOPE_KERNELS")
    or pyx.stem in os.environ["DRIFTSCOPE_KERNELS"].split(",")
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives={
            "language_level": 3,
            "boundscheck": False,
            "wraparound": False,
            "initializedcheck": False,
            "cdivision": True,
            "auto_pickle": False,
            "embedsignature": True,
        },
    )
)
