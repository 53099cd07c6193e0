"""The governor's desk: the office's curation queue and how it is shown, the decisions that make alerts,
the contacts in the region and the digest preview."""
