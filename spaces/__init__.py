"""Search spaces as data: Optuna distributions plus grid values, declared in TOML.

Presets ship as TOML files in `spaces/presets/` and go through the same loader as users' files.
This package imports neither torch nor `search`; the caller says which hyperparameter names
exist and the type of their values.
"""

from spaces.errors import SpaceError
from spaces.loader import PRESETS, load_space
from spaces.space import Param, Space

__all__ = ["PRESETS", "Param", "Space", "SpaceError", "load_space"]
