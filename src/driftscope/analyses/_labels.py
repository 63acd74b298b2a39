"""Category labels for the analyses; they live in `driftscope.data.categories`, where the
profiles (`driftscope.data.profile`) read them too, so both label a value alike."""

from driftscope.data.categories import factorize_labels, value_labels

__all__ = ["factorize_labels", "value_labels"]
