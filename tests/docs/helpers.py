"""What the documentation tests share: the generator script, loaded from scripts/."""

from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache
from types import ModuleType

from tests.paths import REPO_DIR

GENERATOR = REPO_DIR / "scripts" / "gen_cli_docs.py"


@lru_cache(maxsize=1)
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_cli_docs"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=1)
def tree():
    return generator().load_tree()


@lru_cache(maxsize=1)
def generated() -> dict[str, str]:
    return generator().generate(tree())
