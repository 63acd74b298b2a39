"""Analyses compose the pure statistics into answers about a reference and a current dataset."""
