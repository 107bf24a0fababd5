"""The law as pure functions: a case and a calendar in, deadlines out (no I/O, no clock, no SQL)."""
