"""discourse: comparative discourse analysis of Chinese local-government texts.

The public API is re-exported here; submodules hold the implementation.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
