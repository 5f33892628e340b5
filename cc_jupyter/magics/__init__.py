"""The IPython magics: parse a cell, wire a run to a view. No HTTP, no rendering here."""
