"""The web pages, one package per room: public/ (anyone, or a signed link from an e-mail), desk/ (the
governor's office: queue, alerts, contacts, digests), dashboard/ (the ministry's reports and surveys, also
read by governors and municipalities for their own part) and admin/ (audit, operations, sources).
Each module has `router` and `ACCESS`; relay.web.routes lists them all."""
