"""Reports: queries over materialised deadlines, folded into rows for render()."""
