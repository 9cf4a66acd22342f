"""Make the Lambda folders importable as their zips lay them out (modules at the root, lambdas/shared/
beside them, as packaging copies it), and load each handler.py under its own name, since both functions
call their entry module ``handler``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from vpcflow.provision import packaging

from tests.lambdas.events import LambdaContext

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"

for _name in (*packaging.FUNCTIONS, packaging.SHARED_FOLDER):
    if str(LAMBDAS / _name) not in sys.path:
        sys.path.insert(0, str(LAMBDAS / _name))


def load_handler(function: str) -> ModuleType:
    module_name = f"{function}_handler"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, LAMBDAS / function / "handler.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def cw_handler() -> ModuleType:
    return load_handler("cloudwatch_to_firehose")


@pytest.fixture(scope="session")
def partitioner_handler() -> ModuleType:
    return load_handler("athena_partitioner")


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()
