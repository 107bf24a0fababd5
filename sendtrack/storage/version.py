"""The schema revision this code expects, kept apart from the models so a check costs no import."""

HEAD = "0006"
