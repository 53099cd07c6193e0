"""The public archive: every approved alert on a page of its own, searchable, and as Atom feeds."""
