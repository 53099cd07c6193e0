"""The administrators' room: the audit log, operations (metrics, incidents), raw inbound reports and
source administration."""
