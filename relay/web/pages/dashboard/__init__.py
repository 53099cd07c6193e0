"""The ministry's dashboard: did the information reach the municipalities — the reports, their scope,
downloads and JSON API, a municipality's own overview, and the surveys."""
