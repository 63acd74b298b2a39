"""The platforms teams already run (Prometheus, Grafana, MLflow): each behind an extra, its
library imported lazily; they take and give plain dataclasses and never touch the store."""
