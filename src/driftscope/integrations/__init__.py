"""The platforms teams already run, each behind an extra and imported lazily: MLflow
(`driftscope.integrations.mlflow`, extra ``mlflow``). They take and give plain dataclasses and
never touch the service's store."""
