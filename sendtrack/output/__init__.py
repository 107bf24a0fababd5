"""Output: the one renderer (table, CSV, JSON) every command prints through."""
