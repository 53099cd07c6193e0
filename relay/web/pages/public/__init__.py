"""The public room: pages anyone may open, or that a signed link from an e-mail opens without a password —
the front page and register of offices, sign-in, sign-up and subscriptions, receipts and
acknowledgements, the archive and its feeds, and the survey answer form."""
