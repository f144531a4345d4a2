"""The lab model: a folder ``labs/NN-slug/`` described by lab.toml, with one source.

- ``model``: ``Lab``, discovery and lab.toml loading (checked by ``schema``).
- ``source`` / ``build``: solution.py -> lab.ipynb and solution.ipynb (the one build step).
- ``files``: the one allow-list of files that leave the course.
- ``solve``: run the reference solution in an account.
- ``authoring``: validate and scaffold labs.
"""

from grader.labs.model import LAB_DIR_PATTERN, Lab, all_labs, find_lab, labs_by_topic, load_lab

__all__ = ["LAB_DIR_PATTERN", "Lab", "all_labs", "find_lab", "labs_by_topic", "load_lab"]
