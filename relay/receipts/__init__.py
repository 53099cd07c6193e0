"""Receipt events: facts with evidence about what happened to each message and each alert in it."""
