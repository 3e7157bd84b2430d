"""Helpers for the autodiff lecture notebooks.

Modules, one job each:
  plotting  -- function plots, tangents and descent paths with Japanese labels
  graphs    -- PyTorch computational graphs (torchviz)
  dot       -- a graph as a PNG picture (Graphviz), a text tree, or a summary when too large
  autodiff  -- a tiny teaching autodiff engine: reverse mode (Value), read in the lecture
  forward_mode, numerical, value_graph, validate
            -- the engine's forward mode (Dual), numerical differences, drawings, input checks
  check     -- the exercises' offline judge
  doctor    -- environment checks with Japanese messages
Import the module you need (``from lecture_utils import check``); importing the
package itself stays cheap and does not import torch.
"""

__version__ = "0.1.0"
