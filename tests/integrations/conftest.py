"""The real `mlflow server` the MLflow tests share, one per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.integrations.test_mlflow import MlflowServer


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    running = MlflowServer(tmp_path_factory.mktemp("mlflow"))
    running.start()
    try:
        yield running
    finally:
        running.stop()
