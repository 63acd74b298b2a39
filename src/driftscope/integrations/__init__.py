"""The platforms teams already run, each behind an extra and imported lazily: Prometheus and
Grafana (`driftscope.integrations.prometheus`, `.grafana`) and MLflow
(`driftscope.integrations.mlflow`, extra ``mlflow``). They take and give plain dataclasses and
never touch the service's store."""
