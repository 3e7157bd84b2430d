"""Helpers for the autodiff lecture notebooks.

Modules, one job each:
  plotting  -- function plots, tangents and descent paths with Japanese labels
  graphs    -- PyTorch computational graphs (torchviz) with a text fallback
  dot       -- DOT text to PNG through Graphviz, with a text fallback
  autodiff  -- a tiny teaching autodiff engine (Value, Dual, numerical differences)
  check     -- the exercises' offline judge
  doctor    -- environment checks with Japanese messages
Import the module you need (``from lecture_utils import check``); importing the
package itself stays cheap and does not import torch.
"""

__version__ = "0.1.0"
