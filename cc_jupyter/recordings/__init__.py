"""Recordings: every run kept on disk as it streams (JSON Lines), read back as a Run, found again
by what a cell asks so that *Run All* replays instead of sending paid runs again.

A layer between ``run`` and ``client``: it knows the Run and files, nothing of HTTP or widgets.
"""
