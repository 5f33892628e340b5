"""Views of a :class:`~cc_jupyter.run.state.Run`: live widget, text, and static transcript.

Views only read a Run. Submodules import ipywidgets/IPython lazily, so importing this package
(or ``views.text_view``, ``views.transcript``) stays cheap and works without widgets.
"""
