"""The IPython magics: parse a cell or a subcommand and wire a run to a view; settings come from
:mod:`cc_jupyter.settings`, recordings are matched by :mod:`cc_jupyter.recordings`. No HTTP, no
rendering here.
"""
