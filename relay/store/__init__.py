"""Queries and writes, one module per aggregate. Functions take a keyword-only session; the caller commits."""
